"""Every Django form rendered the Bootstrap way, from one place (settings.FORM_RENDERER).

``{{ form }}`` and ``{{ field.as_field_group }}`` give a label (with a required mark), the
widget with its Bootstrap class, the hint and the errors at the field (``is-invalid``,
``aria-invalid`` and ``aria-describedby`` pointing at both). Templates:
``minsheng/forms/div.html`` (a whole form), ``minsheng/forms/field.html`` (one field) and the
choice widgets under ``django/forms/widgets/`` (Bootstrap's ``form-check`` rows).
"""

from django import forms
from django.forms.renderers import TemplatesSetting


def widget_class(widget: forms.Widget) -> str:
    """The Bootstrap class a widget's input gets."""
    if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):  # CheckboxSelectMultiple too
        return "form-check-input"
    if isinstance(widget, (forms.Select, forms.SelectMultiple)):
        return "form-select"
    if getattr(widget, "input_type", None) == "range":
        return "form-range"
    if getattr(widget, "input_type", None) == "color":
        return "form-control form-control-color"
    return "form-control"


class BootstrapBoundField(forms.BoundField):
    @property
    def widget_kind(self) -> str:
        """How the field template lays the field out: "checkbox" (the box before its label),
        "choices" (radios or checkboxes in a fieldset) or "control" (label above the input)."""
        widget = self.field.widget
        if isinstance(widget, forms.RadioSelect):
            return "choices"
        if isinstance(widget, forms.CheckboxInput):
            return "checkbox"
        return "control"

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if widget.is_hidden:
            return attrs
        classes = [widget.attrs.get("class", ""), attrs.get("class", ""), widget_class(widget)]
        if self.errors:
            classes.append("is-invalid")
        attrs["class"] = " ".join(dict.fromkeys(c for part in classes for c in part.split()))
        return attrs


class FormRenderer(TemplatesSetting):
    """Templates come from the project's TEMPLATES, so the site's field templates win."""

    form_template_name = "minsheng/forms/div.html"
    field_template_name = "minsheng/forms/field.html"
    bound_field_class = BootstrapBoundField
