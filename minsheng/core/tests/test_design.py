"""The design system's one form renderer and its components."""

import pytest
from django import forms
from django.template import Context, Template

from minsheng.core.templatetags.ui import icon_names, state_kind


class EveryWidget(forms.Form):
    name = forms.CharField(label="姓名", help_text="与身份证一致")
    kind = forms.ChoiceField(label="类型", choices=[("a", "甲"), ("b", "乙")])
    agree = forms.BooleanField(label="同意")
    level = forms.ChoiceField(label="满意度", choices=[("1", "一"), ("2", "二")], widget=forms.RadioSelect)
    tags = forms.MultipleChoiceField(
        label="标签", choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple, required=False
    )
    upload = forms.FileField(label="材料", required=False)
    day = forms.DateField(label="日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"class": "mine"}))


def test_every_widget_gets_its_bootstrap_class_label_and_required_mark():
    html = str(EveryWidget())
    assert 'class="form-control" maxlength' not in html  # attributes are merged, not replaced
    assert '<label class="form-label fw-semibold" for="id_name">姓名<span class="ms-required"' in html
    assert 'class="form-select"' in html and 'name="kind"' in html
    assert 'name="agree" required class="form-check-input" id="id_agree"' in html
    assert '<legend class="form-label fs-6 fw-semibold">满意度' in html  # radios in a fieldset
    assert html.count('class="form-check-input"') >= 1 + 2 + 2  # checkbox, radios, checkboxes
    assert 'type="file" name="upload" class="form-control"' in html
    assert 'type="date" name="day" class="form-control"' in html
    assert 'class="mine form-control"' in html  # a widget's own class is kept
    assert 'id="id_name_helptext">与身份证一致' in html and 'aria-describedby="id_name_helptext"' in html
    assert "placeholder" not in html
    assert html.count('class="ms-required"') == 4  # name, kind, agree, level


def test_errors_show_at_the_field_with_is_invalid_and_keep_the_choice():
    form = EveryWidget(data={"kind": "b", "level": "2"})
    html = str(form)
    assert 'class="form-control is-invalid"' in html and 'aria-invalid="true"' in html
    assert 'aria-describedby="id_name_helptext id_name_error" class="form-control is-invalid"' in html
    assert 'id="id_name_error"' in html  # the error sits under its field
    assert 'value="2" required class="form-check-input" id="id_level_1" checked' in html
    assert '<option value="b" selected>' in html


def test_non_field_errors_are_an_alert_at_the_top():
    class Dates(forms.Form):
        since = forms.DateField(label="从")

        def clean(self):
            raise forms.ValidationError("起止日期颠倒了，请对调。")

    html = str(Dates(data={"since": "2026-01-01"}))
    assert html.index('class="alert alert-danger ms-form-errors"') < html.index('name="since"')


def _render(text, **context):
    return Template("{% load ui %}" + text).render(Context(context))


def test_icon_is_inline_svg_hidden_unless_labelled():
    assert "bell" in icon_names()
    html = _render('{% icon "bell" %}')
    assert html.startswith("<svg") and 'aria-hidden="true"' in html and "<path" in html
    labelled = _render('{% icon "bell" label="消息" %}')
    assert 'role="img" aria-label="消息"' in labelled and "aria-hidden" not in labelled
    assert "bi-grid" not in html and "<path" in _render('{% icon "../../etc/passwd" %}')  # unknown → grid


@pytest.mark.parametrize(
    "code,kind",
    [("approved", "success"), ("rejected", "danger"), ("draft", "secondary"), ("submitted", "info"), ("returned", "warning")],
)
def test_state_kind_colours_a_status_chip(code, kind):
    assert state_kind(code) == kind
    assert f'data-kind="{kind}"' in _render("{% status_chip title code|state_kind %}", title="x", code=code)


def test_steps_mark_done_current_and_todo():
    html = _render("{% steps titles current=2 %}", titles=["填写", "上传", "提交"])
    assert html.count("ms-step-done") == 1 and 'aria-current="step"' in html and html.count("ms-step-todo") == 1


def test_pagination_keeps_other_parameters(rf):
    from django.core.paginator import Paginator

    page = Paginator(list(range(100)), 10).get_page(3)
    html = _render("{% pagination page %}", page=page, request=rf.get("/x/", {"q": "张", "page": "3"}))
    assert 'href="?q=%E5%BC%A0&amp;page=2"' in html and 'rel="next"' in html and 'aria-current="page"' in html
