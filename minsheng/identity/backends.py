from django.contrib.auth.backends import ModelBackend

from .crypto import keyed_hash
from .models import User
from .normalize import normalize_phone


class PhoneOrUsernameBackend(ModelBackend):
    """Staff sign in with a username, citizens with their mobile number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            phone = normalize_phone(username)
            if phone:
                user = User.objects.filter(phone_hash=keyed_hash(phone)).first()
        if user is None:
            # Spend the same time as a real check so a timing probe cannot tell
            # which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
