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

    def get_user(self, user_id):
        """The session's user from the per-user cache (minsheng.access.principal).

        One cache round trip for the account, its role assignments and the unread
        count instead of a query each; the cached values are dropped whenever the
        account, its assignments or its messages change, so a deactivated account
        or a changed password is refused on the very next request.
        """
        from minsheng.access.principal import principal_user
        from minsheng.core import usercache

        user = principal_user(user_id, usercache.fetch(user_id, usercache.SLOTS))
        return user if user is not None and self.user_can_authenticate(user) else None
