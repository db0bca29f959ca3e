"""Template context from gisdata: the data credits of every page's footer."""

from gisdata.credits import data_credits


def footer_credits(request):
    # The function, not its result: a template calls it only where it shows the credits
    # (base.html's footer), so a JSON or e-mail rendering never reads them.
    return {"DATA_CREDITS": data_credits}
