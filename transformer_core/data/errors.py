"""One error type for every data problem a learner can cause (an empty file, a wrong column, …)."""


class DataError(ValueError):
    """Bad data, with a message that says what is wrong and what to do about it."""
