from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """A text column stored encrypted (see crypto.py). Not searchable: pair it
    with a keyed-hash column for lookups."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return crypto.encrypt(str(value))

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "minsheng.identity.fields.EncryptedTextField", args, kwargs
