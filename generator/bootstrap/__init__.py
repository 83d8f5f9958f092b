"""The bootstrap stack: one small stack per account and region (``iotstack-bootstrap``) that holds the
artifact bucket, where deploy uploads templates over CloudFormation's 51,200-byte inline limit.

:mod:`.template` builds it (``templates/bootstrap.json``, generated, linted, scanned and pictured like
the environments' templates); :mod:`.artifacts` is deploy's side: find the bucket, check the
bootstrap version, upload a template once under a content-addressed key.

Only the two names are here, importing nothing: the environment loader refuses an environment that would
take either (:mod:`generator.config.load`), and it imports neither troposphere nor boto3.
"""

STACK = "iotstack-bootstrap"  # one per account and region
NAME = "bootstrap"  # templates/bootstrap.json, and its picture
