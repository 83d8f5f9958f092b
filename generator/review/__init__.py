"""Reviewing a change before it ships: :mod:`.gate` (the one gate ``check``, ``deploy`` and ``execute``
share), :mod:`.check` (``make check``), :mod:`.plan` and :mod:`.plan_format` (``iotstack diff``'s
prediction and its formats), :mod:`.baseline` (where the "before" template comes from) and
:mod:`.diff` (the command's entry function).
"""
