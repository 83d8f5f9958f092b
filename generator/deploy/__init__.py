"""Deploying a reviewed template: :mod:`.commands` (deploy, execute, status, destroy, recover),
:mod:`.changes` (the change set's name and tags, the stateful guard, the stack policy),
:mod:`.operation` (the one shape of every stack operation), :mod:`.events` (following one) and
:mod:`.report` (what a person is told). Every AWS call goes through :mod:`generator.aws.gateway`.
"""
