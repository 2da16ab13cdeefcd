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
from datamodel_code_generator.model.pydantic_v2 import DataModelField
from fastapi_code_generator import cli, parser

HERE = Path(__file__).resolve().parent
_original_init = parser.OpenAPIParser.__init__


def _strict_init(self: parser.OpenAPIParser, *args: object, **kwargs: object) -> None:
    kwargs["strict_types"] = [StrictTypes.str, StrictTypes.int, StrictTypes.float, StrictTypes.bool]
    _original_init(self, *args, **kwargs)  # type: ignore[arg-type]
    # Inline single-value schemas (Title, Password...) into the fields that use them, so
    # handlers get plain values instead of RootModel wrappers.
    self.collapse_root_models = True


def _nullable_only_if_declared(self: DataModelField) -> bool:
    # An optional property may be left out, but it is null only where the contract says so
    # (`type: [..., 'null']`): without this, every optional field would accept an explicit
    # null, e.g. {"completed": null} or {"title": null}. The default stays None, which
    # pydantic does not validate, so an omitted field is simply unset.
    return False


def main(contract: str, output: str) -> int:
    parser.OpenAPIParser.__init__ = _strict_init  # type: ignore[method-assign]
    DataModelField.fall_back_to_nullable = property(_nullable_only_if_declared)  # type: ignore[assignment,method-assign]
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
        ]
    )
    # Templates render flat files only; the routers package needs its own __init__.
    routers_init = Path(output) / "routers" / "__init__.py"
    routers_init.write_text('"""Generated from openapi.yaml by scripts/generate. Do not edit by hand."""\n')
    return status


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
