from django import forms

from notifications.models import Delivery


class PreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        choices=Delivery.choices,
        widget=forms.RadioSelect,
        label="Send me notification e-mails",
    )
