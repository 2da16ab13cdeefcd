"""Entry point of scripts/generate: fastapi-code-generator with this project's choices.

Runs inside the generator's own tool environment. Request and response models get strict
scalar types (StrictStr, StrictInt, StrictBool...) so that the served API accepts exactly
what the JSON Schema accepts: pydantic's lax mode would turn "yes" into True and "1" into 1.
The CLI has no option for that, so it is set here on the parser it builds.
"""

from __future__ import annotations

import sys
from pathlib import Path

from datamodel_code_generator.enums import StrictTypes
from datamodel_code_generator.imports import Import
from datamodel_code_generator.model.pydantic_v2.base_model import DataModelField
from datamodel_code_generator.types import Types
from fastapi_code_generator import cli, parser

HERE = Path(__file__).resolve().parent
_original_init = parser.OpenAPIParser.__init__


def _strict_init(self: parser.OpenAPIParser, *args: object, **kwargs: object) -> None:
    kwargs["strict_types"] = [StrictTypes.str, StrictTypes.int, StrictTypes.float, StrictTypes.bool]
    kwargs["field_constraints"] = True
    kwargs["use_annotated"] = True
    _original_init(self, *args, **kwargs)  # type: ignore[arg-type]
    # Inline single-value schemas (Title, Password...) into the fields that use them, so
    # handlers get plain values instead of RootModel wrappers.
    self.collapse_root_models = True
    # Date-times are RFC 3339 strings only (generated/datetimes.py, from the template of the
    # same name): pydantic's AwareDatetime alone takes 1700000000 as a Unix timestamp.
    manager = self.data_type_manager
    manager.type_map[Types.date_time] = manager.data_type.from_import(
        Import(from_=".datetimes", import_="RFC3339DateTime")
    )


def main(contract: str, output: str) -> int:
    parser.OpenAPIParser.__init__ = _strict_init  # type: ignore[method-assign]
    # An optional property that the schema does not make nullable may be absent, but not
    # null: `title: constr(...) = None` (pydantic does not validate the default) instead of
    # `Optional[...] = None`, which would accept an explicit null the contract forbids.
    DataModelField.fall_back_to_nullable = property(lambda self: False)  # type: ignore[assignment,method-assign]
    cli.OpenAPIParser = parser.OpenAPIParser
    status = cli.invoke_main(
        [
            "--input",
            contract,
            "--output",
            output,
            "--template-dir",
            str(HERE / "templates"),
            "--custom-visitor",
            str(HERE / "visitor.py"),
            "--generate-routers",
            "--disable-timestamp",
            "--enum-field-as-literal",
            "all",
            "--output-model-type",
            "pydantic_v2.BaseModel",
            "--python-version",
            "3.11",
            "--strict-nullable",
        ]
    )
    # Templates render flat files only; the routers package needs its own __init__.
    routers_init = Path(output) / "routers" / "__init__.py"
    routers_init.write_text('"""Generated from openapi.yaml by scripts/generate. Do not edit by hand."""\n')
    return status


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
