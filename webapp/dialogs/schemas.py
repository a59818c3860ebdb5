"""Request and response schemas of dialogs and consent.

Ids (customer and dialog) are 1-128 characters of `A-Z a-z 0-9 _ . : -`; a language is an ISO 639-1
code in any case, answered upper-case. Strings never accept another JSON type, so an operator
object like `{"$gt": ""}` is a 422 before any query is built.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from webapp.fields import Pattern, Text, any_case_pattern
from webapp.pagination import PageArgsSchema, page_schema

ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,128}$"
ID_MESSAGE = "Must be 1-128 characters of A-Z a-z 0-9 _ . : -"
MAX_TEXT = 10_000

# ISO 639-1 (two-letter) language codes.
ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de
    dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id
    ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu
    lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu
    rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr
    ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".upper().split()
)


def _id_field(**kwargs) -> fields.String:
    return fields.String(validate=Pattern(ID_PATTERN, error=ID_MESSAGE), **kwargs)


class Language(fields.String):
    """An ISO 639-1 code, any case in, upper-case out (documented as a pattern of the codes)."""

    def __init__(self, **kwargs):
        super().__init__(validate=Pattern(any_case_pattern(ISO_639_1)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs).upper()
        if code not in ISO_639_1:
            raise ValidationError("Must be a two-letter ISO 639-1 language code, like EN.")
        return code


class StrictBoolean(fields.Field):
    """Only the JSON literals true and false (no "true", 1 or "yes")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not bool:
            raise ValidationError("Must be true or false.")
        return value


# ---- requests -----------------------------------------------------------------------------------


class DialogPathSchema(Schema):
    customer_id = _id_field(required=True)
    dialog_id = _id_field(required=True)


class DialogIdPathSchema(Schema):
    dialog_id = _id_field(required=True)


class CustomerPathSchema(Schema):
    customer_id = _id_field(required=True)


class MessageCreateSchema(Schema):
    text = Text(required=True, multiline=True, validate=validate.Length(min=1, max=MAX_TEXT))
    language = Language(required=True, metadata={"example": "en"})


class ConsentBodySchema(Schema):
    """The consent answer: the bare JSON `true`/`false`, or `{"consent": true|false}`."""

    consent = StrictBoolean(required=True, metadata={"type": "boolean"})

    @pre_load
    def wrap_bare_boolean(self, data, **kwargs):
        return {"consent": data} if type(data) is bool else data


# The request body as documented: both accepted shapes.
CONSENT_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    {"type": "boolean", "description": "true grants consent, false revokes it"},
                    {
                        "type": "object",
                        "properties": {"consent": {"type": "boolean"}},
                        "required": ["consent"],
                        "additionalProperties": False,
                    },
                ]
            },
            "examples": {"bare": {"value": True}, "object": {"value": {"consent": False}}},
        }
    },
}


class DialogListArgsSchema(PageArgsSchema):
    language = Language(load_default=None)
    customerId = _id_field(load_default=None, attribute="customer_id_camel")  # noqa: N815 (query name)
    customer_id = _id_field(load_default=None, metadata={"description": "Alias of customerId."})

    @validates_schema
    def one_customer(self, data, **kwargs):
        camel, snake = data.get("customer_id_camel"), data.get("customer_id")
        if camel and snake and camel != snake:
            raise ValidationError("customerId and customer_id differ; send one.", "customerId")

    @post_load
    def merge_alias(self, data, **kwargs):
        camel = data.pop("customer_id_camel", None)
        data["customer_id"] = data.get("customer_id") or camel
        return data


# ---- responses ----------------------------------------------------------------------------------


class DialogStateSchema(Schema):
    dialog_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    consent = fields.String(required=True)
    messages_count = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class ConsentResultSchema(Schema):
    dialog_id = fields.String(required=True)
    consent = fields.String(required=True, metadata={"enum": ["granted", "revoked"]})
    consented_at = fields.DateTime(metadata={"description": "When consent was granted."})
    deleted_messages = fields.Integer(metadata={"description": "Messages deleted by a revocation."})


class MessageSchema(Schema):
    text = fields.String(required=True)
    language = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class DialogSchema(Schema):
    dialog_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    languages = fields.List(fields.String(), required=True)
    messages = fields.List(fields.Nested(MessageSchema), required=True)
    consented_at = fields.DateTime(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


DialogPageSchema = page_schema(DialogSchema, "DialogPage")


class ErasureResultSchema(Schema):
    deleted_dialogs = fields.Integer(required=True)
