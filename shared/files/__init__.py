JOB_KINDS: dict = {}
