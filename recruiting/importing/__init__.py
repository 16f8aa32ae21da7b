"""Importing files and records in the format of the import contract (`recruiting.contract`).

One module per step, each over a whole file at once (pandas, Arrow), never row by row:

- `read` (`read_csv`): a file (CSV or XLSX, told apart by content) or a list of JSON records
  becomes a `Table` of text cells, with file-level errors (`errors.Errors`).
- `validate` (`cells`): every rule of the kind's contract gives a normalised frame and every
  error, each with its row, column and reason.
- `reference`: every `*_id` names a record of the same engagement; ids for writing.
- `write`: the rows go to the table with `COPY`, upserted when the engagement has some.
- `stream`: an engagement's first import of a kind, validated while it is written.
"""

from recruiting.importing.cells import cell_check
from recruiting.importing.errors import Errors, max_bytes, max_errors
from recruiting.importing.read import Table, table_from_bytes, table_from_records
from recruiting.importing.reference import engagement_ids, references_check
from recruiting.importing.stream import Rejected, table_stream_write
from recruiting.importing.validate import Validated, table_validate
from recruiting.importing.write import frame_write

__all__ = [
    "Errors",
    "Rejected",
    "Table",
    "Validated",
    "cell_check",
    "engagement_ids",
    "frame_write",
    "max_bytes",
    "max_errors",
    "references_check",
    "table_from_bytes",
    "table_from_records",
    "table_stream_write",
    "table_validate",
]
