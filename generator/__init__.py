"""iotstack: reviewed, versioned CloudFormation for the industrial-IoT data platform."""

from importlib.metadata import version

# setup.cfg is the one source of the version; the installed metadata carries it here.
__version__ = version("iotstack")
