"""The hosted list routes' `metadata_filter.<key>=<value>` query parameters, read as dependencies/query_filter.py
reads them for users, projects and docs alike. No Flask here: the caller hands over the query's parameters."""


def convert_value(text):
    """convert_value: int(text), else float(text), else the text itself."""
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


def extract_filters(parameters, convert=convert_value):
    """create_filter_extractor("metadata_filter")'s dependency: {key: convert(value)} for each
    `metadata_filter.<key>` parameter, the last value of a repeated one (as Starlette's query_params.items() gives
    it). `parameters` is a MultiDict (Werkzeug's request.args); `convert` is convert_value unless the caller's
    storage needs more of a value (users.filter_value).
    """
    return {
        name.removeprefix("metadata_filter."): convert(values[-1])
        for name, values in parameters.lists()
        if name.startswith("metadata_filter.")
    }
