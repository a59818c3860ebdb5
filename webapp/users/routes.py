"""Users over HTTP: thin views over `webapp.users.services`."""

from flask.views import MethodView

from webapp.http import Blueprint
from webapp.openapi import answers
from webapp.pagination import PageArgsSchema
from webapp.users import services
from webapp.users.schemas import UserCreateSchema, UserPageSchema, UserSchema, UserUpdateSchema

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users")


@blp.route("")
class Users(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, UserPageSchema)
    def get(self, args):
        """List users, newest first (offset pages)."""
        return services.list_users(args["page"], args["page_size"])

    @answers(409)
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, body):
        """Create a user (409 when the email is taken, case-insensitively)."""
        return services.create_user(body)


@blp.route("/<user_id>")
class UserById(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """One user, with the balance from the statistics."""
        return services.get_account(user_id)

    @answers(409)
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, body, user_id):
        """Change name, email, phone number or password."""
        return services.update_user(user_id, body)

    @blp.response(204)
    def delete(self, user_id):
        """Erase the user's personal data; its transactions stay, de-identified (no name)."""
        services.delete_user(user_id)
