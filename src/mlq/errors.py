"""The one exception type the command line turns into a one-line message."""


class MlqError(Exception):
    """Something the user can fix: a missing folder, an empty query, an unknown document.

    The CLI prints ``str(error)`` on one line of stderr and exits with status 2; anything
    else that escapes is a bug in mlq.
    """
