"""iotstack: reviewed, versioned CloudFormation for the industrial-IoT data platform."""

# The one source of the version: setup.cfg reads it from here (``version = attr: generator.__version__``),
# and every generated template's Metadata carries it. A literal, not importlib.metadata, which costs
# the fast commands 20 ms of imports.
__version__ = "0.1.0"
