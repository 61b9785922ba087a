"""Reading CSV text with pandas without losing a cell or a line number: the step guard the CSV loaders share."""

from __future__ import annotations

import gzip
import re
import warnings
import zlib
from collections.abc import Callable
from typing import TypeVar

import pandas as pd

from hft_core.errors import DataError

__all__ = ["guarded_csv_step", "parser_error"]

_T = TypeVar("_T")
_PARSER_LINE = re.compile(r"line (\d+)")
_PARSER_ROW = re.compile(r"starting at row (\d+)")


def parser_error(exc: Exception, path: str) -> DataError:
    """pandas' tokenizer error as a `DataError` naming the line (a lone quote: where the quoted cell opens)."""
    text = str(exc)
    row = _PARSER_ROW.search(text)
    if row:
        # pandas counts rows from 0 = the header line; a quote left open swallows the rest of the file.
        return DataError("malformed CSV: a quote opens a cell that never closes", path=path, line=int(row.group(1)) + 1)
    match = _PARSER_LINE.search(text)
    return DataError(f"malformed CSV row: {text}", path=path, line=int(match.group(1)) if match else None)


def guarded_csv_step(step: Callable[[], _T], path: str) -> _T:
    """Run one pandas step (opening a reader, or reading its next chunk; never across a ``yield``) with its
    problems as `DataError`: a row longer than the header (pandas would only warn and drop its extra cells), a
    tokenizer error with its line, an empty file, text that is not UTF-8, a corrupt or truncated file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return step()
    except pd.errors.ParserWarning:
        raise DataError("malformed CSV row: more fields than the header", path=path, line=2) from None
    except pd.errors.ParserError as exc:
        raise parser_error(exc, path) from None
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty (no header row)", path=path) from None
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text: {exc.reason} at byte {exc.start}", path=path) from None
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise DataError(f"file is corrupt or truncated: {exc}", path=path) from exc
