"""Money in review (issue 20, begun): what the stack bills, priced from AWS's own price list files.

- ``offers``: reading AWS's bulk price list files (the offer index, a service's region index, a region's offer
  file) into typed prices, from a local copy (``--from DIR``, how the tests and air-gapped users run it) or AWS's
  public endpoint (``fetch``: urllib, imported only then).
- ``refresh``: ``iotstack prices refresh``, the snapshots of some Regions written together, all or none.
"""
