"""The calls only `flask users` makes, on an operator's machine with the operator's
credentials: listing users and groups, creating users, enabling and disabling them,
creating and deleting groups, group membership. The function's IAM role is not given them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from proxy_app.aws.calls import cognito_errors
from proxy_app.core.models import Group, User

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

T = TypeVar("T")

# Operations only the `flask users` commands call, on an operator's machine with the
# operator's credentials: the function's IAM role is not given them. (DescribeUserPool is
# not one: TOTP set-up reads the pool's name as the default MFA issuer.)
OPERATOR_ONLY_OPERATIONS = frozenset(
    {
        "ListUsers",
        "ListGroups",
        "CreateGroup",
        "GetGroup",
        "DeleteGroup",
        "AdminListGroupsForUser",
        "AdminAddUserToGroup",
        "AdminRemoveUserFromGroup",
        "AdminEnableUser",
        "AdminDisableUser",
    }
)
# ListUsers answers at most 60 users a call.
LIST_USERS_MAX_PAGE = 60


class OperatorCalls:
    """The operator's calls, on the gateway's client and pool."""

    if TYPE_CHECKING:

        @property
        def client(self) -> CognitoIdentityProviderClient: ...

        @property
        def pool_id(self) -> str: ...

    def list_users(
        self, filter_expression: str | None = None, page_size: int = LIST_USERS_MAX_PAGE
    ) -> Iterator[User]:
        """Yield the pool's users (those matching one ListUsers filter), page by page."""
        search = {} if filter_expression is None else {"Filter": filter_expression}
        return _paged(
            User.of,
            lambda token: self.client.list_users(
                UserPoolId=self.pool_id, Limit=page_size, **search, **token
            ),
            "Users",
            "PaginationToken",
        )

    def create_user(
        self,
        username: str,
        attributes: dict[str, str],
        *,
        temporary_password: str | None = None,
        send_message: bool = True,
    ) -> User:
        """Create a user with AdminCreateUser (Cognito invites them unless told not to)."""
        options: dict[str, Any] = {}
        if temporary_password is not None:
            options["TemporaryPassword"] = temporary_password
        if not send_message:
            options["MessageAction"] = "SUPPRESS"
        with cognito_errors():
            answer = self.client.admin_create_user(
                UserPoolId=self.pool_id,
                Username=username,
                UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
                **options,
            )
        return User.of(answer.get("User") or {})

    def set_user_enabled(self, username: str, *, enabled: bool) -> None:
        """Let a user sign in again (AdminEnableUser) or stop them (AdminDisableUser)."""
        with cognito_errors():
            if enabled:
                self.client.admin_enable_user(UserPoolId=self.pool_id, Username=username)
            else:
                self.client.admin_disable_user(UserPoolId=self.pool_id, Username=username)

    def list_groups(self) -> Iterator[Group]:
        """Yield the pool's groups with ListGroups."""
        return _paged(
            Group.of,
            lambda token: self.client.list_groups(UserPoolId=self.pool_id, Limit=60, **token),
            "Groups",
            "NextToken",
        )

    def create_group(
        self, name: str, *, description: str | None = None, precedence: int | None = None
    ) -> Group:
        """Create a group in the pool with CreateGroup."""
        options: dict[str, Any] = {}
        if description is not None:
            options["Description"] = description
        if precedence is not None:
            options["Precedence"] = precedence
        with cognito_errors():
            answer = self.client.create_group(UserPoolId=self.pool_id, GroupName=name, **options)
        return Group.of(answer.get("Group") or {})

    def get_group(self, name: str) -> Group:
        """Read a group with GetGroup."""
        with cognito_errors():
            answer = self.client.get_group(UserPoolId=self.pool_id, GroupName=name)
        return Group.of(answer.get("Group") or {})

    def delete_group(self, name: str) -> None:
        """Delete a group with DeleteGroup (its members stay in the pool)."""
        with cognito_errors():
            self.client.delete_group(UserPoolId=self.pool_id, GroupName=name)

    def groups_of(self, username: str) -> Iterator[Group]:
        """Yield the groups a user is in with AdminListGroupsForUser."""
        return _paged(
            Group.of,
            lambda token: self.client.admin_list_groups_for_user(
                UserPoolId=self.pool_id, Username=username, Limit=60, **token
            ),
            "Groups",
            "NextToken",
        )

    def add_to_group(self, username: str, group: str) -> None:
        """Put a user in a group with AdminAddUserToGroup."""
        with cognito_errors():
            self.client.admin_add_user_to_group(
                UserPoolId=self.pool_id, Username=username, GroupName=group
            )

    def remove_from_group(self, username: str, group: str) -> None:
        """Take a user out of a group with AdminRemoveUserFromGroup."""
        with cognito_errors():
            self.client.admin_remove_user_from_group(
                UserPoolId=self.pool_id, Username=username, GroupName=group
            )


def _paged(
    model: Callable[[Any], T],
    call_page: Callable[[dict[str, str]], Any],
    items: str,
    token_name: str,
) -> Iterator[T]:
    """Yield the items of every page of a listing as models, following its continuation
    token."""
    token: dict[str, str] = {}
    while True:
        with cognito_errors():
            page = call_page(token)
        yield from (model(item) for item in page.get(items, []))
        following = page.get(token_name)
        if not following:
            return
        token = {token_name: following}
