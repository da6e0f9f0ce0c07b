from django import forms
from django.utils.translation import gettext_lazy as _


class ImportForm(forms.Form):
    importer = forms.ChoiceField(label=_("What to import"))
    file = forms.FileField(label=_("File (.xlsx or .csv)"))
    dry_run = forms.BooleanField(
        label=_("Dry run: only check the file, import nothing"), required=False, initial=True
    )

    def __init__(self, *args, importers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["importer"].choices = [(i.key, i.title) for i in importers]
