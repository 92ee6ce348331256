"""nbgrader's ``CheckCellMetadata`` with its schema compiled once per notebook, not once per cell.

nbgrader checks each cell's metadata with ``jsonschema.validate``, which first
checks nbgrader's own schema against the JSON Schema meta-schema -- for every
cell, on every pass: 70 % of what a sealed ``nbgrader autograde`` spent per
submission. Here the validator is built from the schema once per notebook and
the schema itself is not re-checked (it is nbgrader's, shipped with it). The
rules, the errors and the log are nbgrader's own.
"""

import jsonschema
from jsonschema.exceptions import best_match
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator, SchemaTooNewError, SchemaTooOldError
from nbgrader.preprocessors import CheckCellMetadata


class _CompiledSchema(BaseMetadataValidator):
    """The base validator's per-cell check, against a validator built once."""

    _compiled = None

    def validate_cell(self, cell):
        if "nbgrader" not in cell.metadata:
            return
        meta = cell.metadata["nbgrader"]
        version = meta.get("schema_version", 0)
        if version < self.schema_version:
            raise SchemaTooOldError("Outdated schema version: {} (expected {})".format(version, self.schema_version),
                                    version, self.schema_version)
        if version > self.schema_version:
            raise SchemaTooNewError("Schema version is too new: {} (expected {})".format(version, self.schema_version),
                                    version, self.schema_version)
        if self._compiled is None:
            self._compiled = jsonschema.validators.validator_for(self.schema)(self.schema)
        error = best_match(self._compiled.iter_errors(meta))
        if error is not None:
            raise error


class CompiledMetadataValidator(MetadataValidator, _CompiledSchema):
    """nbgrader's current metadata validator; its per-cell rules run on top of the compiled schema check."""


class CheckCompiledMetadata(CheckCellMetadata):
    """``nbgrader.preprocessors.CheckCellMetadata``, validating with :class:`CompiledMetadataValidator`."""

    def preprocess(self, nb, resources):
        try:
            CompiledMetadataValidator().validate_nb(nb)
        except ValidationError:
            self.log.exception("Notebook failed to validate; the nbgrader metadata may be corrupted.")
            raise ValidationError("Notebook failed to validate; the nbgrader metadata may be corrupted.") from None
        return nb, resources
