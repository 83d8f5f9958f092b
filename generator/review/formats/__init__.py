"""The plan as a reader sees it: :mod:`.table` for a terminal, :mod:`.markdown` for a pull-request
comment, both from the same sentences (:mod:`.words`); JSON is the model's own ``to_dict``."""
