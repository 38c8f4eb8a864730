"""The props checks' token test agrees with cdktf's own `Token.is_unresolved` on strings."""

from __future__ import annotations

from cdktf import Fn, TerraformStack, Testing, Token
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable

from constructs_lib import validation


def test_is_token_matches_cdktf_for_every_kind_of_string() -> None:
    stack = TerraformStack(Testing.app(), "tokens")
    table = DynamodbTable(stack, "table", name="t", hash_key="id", attribute=[{"name": "id", "type": "S"}])
    values = [
        table.arn,
        f"{table.arn}/index/by-type",
        Fn.join(",", [table.name, "x"]),
        Token.as_string(Fn.lookup({"a": 1}, "a")),
        "#{TfToken[TOKEN.1]}",  # a list token's marker: not a string token
        "arn:aws:dynamodb:eu-north-1:123456789012:table/t",
        "${var.region}",
        "${TfToken[}",
        "${TfToken[TOKEN 1]}",
        "",
    ]
    expected = [Token.is_unresolved(value) for value in values]
    assert expected[:4] == [True] * 4 and not any(expected[4:])  # the sample covers both answers
    assert [validation.is_token(value) for value in values] == expected
    assert not validation.is_token(42) and not validation.is_token(None)
