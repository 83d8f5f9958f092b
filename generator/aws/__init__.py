"""Talking to AWS: :mod:`generator.aws.gateway` makes every boto3 call and turns AWS errors into the
project's errors; :mod:`generator.aws.views` turns the answers into small typed views.

Importing this package imports nothing heavy: boto3 comes with ``gateway``, which only the commands
that talk to AWS import, so ``template``, ``check``, ``diff`` and ``lint`` stay fast.
"""
