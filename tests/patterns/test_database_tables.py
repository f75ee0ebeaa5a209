"""Declared tables: column kinds and types, the SQL of every engine, names that would clash,
the rendered row types, methods and schema.sql, and the mutant the table tests must catch.

The generated table tests themselves run in test_database_package.py's slow PostgreSQL test
(offline on SQLite and live), whose requirements declare tables.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import database_packages
import pytest
import yaml
from pydantic import ValidationError

from agentflow.patterns.database import DatabasePattern
from agentflow.patterns.database.context import build_database_context
from agentflow.patterns.database.dialects import DIALECTS, dialect_engine, is_zoned, kind_of

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ITEMS = {
    "name": "items",
    "primary_key": "sku",
    "columns": {"sku": "varchar(20)", "price": "numeric(8, 2) not null", "tags": "jsonb"},
}
ORDERS = {
    "name": "orders",
    "columns": {"id": "bigserial", "note": "text", "paid": "boolean not null"},
}
SHOP = {"dsn": "postgresql://app@db.example.test/shop", "tables": [ORDERS, ITEMS]}


valid = database_packages.requirements


def tables(data: dict[str, Any]) -> Any:
    return build_database_context(valid(data), slug="shop")["db"]


def render(data: dict[str, Any]) -> dict[str, str]:
    return database_packages.render("Shop", data)


@pytest.mark.parametrize(
    ("sql_type", "kind"),
    [
        ("bigint", "int"),
        ("numeric(10, 2)", "decimal"),
        ("double precision", "float"),
        ("character varying(20)", "str"),
        ("timestamptz", "datetime"),
        ("DATE", "date"),
        ("boolean", "bool"),
        ("bytea", "bytes"),
        ("jsonb", "jsonb"),
        ("uuid", "uuid"),
        ("inet", "any"),
    ],
)
def test_a_columns_kind_comes_from_its_sql_type(sql_type: str, kind: str) -> None:
    assert kind_of(sql_type) == kind


def test_zoned_datetimes_get_their_own_codec() -> None:
    assert is_zoned("TIMESTAMPTZ(3)") and not is_zoned("timestamp")
    columns = {"id": "int", "at": "timestamptz", "on": "timestamp", "t": "time"}
    table = tables({"tables": [{"name": "t", "columns": columns}]}).tables[0]
    assert table.kinds_literal == "{'at': 'timestamptz', 'on': 'datetime', 't': 'time'}"


def test_the_context_types_every_column_and_sorts_the_tables() -> None:
    db = tables(SHOP)
    assert [t.name for t in db.tables] == ["items", "orders"]
    items, orders = db.tables
    assert [(c.name, c.annotation) for c in items.columns] == [
        ("sku", "str"),
        ("price", "Decimal"),
        ("tags", "Any"),
    ]
    assert (items.row_class, items.new_class, items.changes_class) == (
        "ItemsRow",
        "ItemsRow",
        "ItemsChanges",
    )
    assert (orders.generated, orders.new_class, [c.name for c in orders.inserted]) == (
        True,
        "OrdersNew",
        ["note", "paid"],
    )
    assert orders.columns[1].annotation == "str | None"
    assert db.table_engines == ("sqlite", "postgresql")
    assert db.table_exports == (
        "ItemsChanges",
        "ItemsRow",
        "OrdersChanges",
        "OrdersNew",
        "OrdersRow",
    )


def test_every_statement_is_literal_sql_with_quoted_names_and_parameters() -> None:
    items = tables(SHOP).tables[0]
    pg = items.sql("postgresql")
    assert pg.insert == (
        'INSERT INTO "items" ("sku", "price", "tags") VALUES (%(sku)s, %(price)s, %(tags)s)'
        ' RETURNING "sku", "price", "tags"'
    )
    assert pg.get == 'SELECT "sku", "price", "tags" FROM "items" WHERE "sku" = %(k)s'
    assert pg.update == (
        'UPDATE "items" SET "price" = CASE WHEN %(s_price)s THEN %(v_price)s ELSE "price" END,'
        ' "tags" = CASE WHEN %(s_tags)s THEN %(v_tags)s ELSE "tags" END WHERE "sku" = %(k)s'
    )
    assert pg.list.endswith('ORDER BY "sku" LIMIT %(limit)s OFFSET %(offset)s')
    assert pg.delete == 'DELETE FROM "items" WHERE "sku" = %(k)s'
    assert pg.create == (
        'CREATE TABLE IF NOT EXISTS "items" (\n    "sku" varchar(20) NOT NULL PRIMARY KEY,\n'
        '    "price" numeric(8, 2) NOT NULL,\n    "tags" jsonb\n)'
    )
    lite = items.sql("sqlite")
    assert '"price" TEXT NOT NULL' in lite.create and '"tags" TEXT' in lite.create


def test_mysql_quotes_with_backticks_and_reads_inserted_rows_back() -> None:
    data = valid(SHOP)
    items, orders = sorted(data.tables, key=lambda t: t.name)
    mysql = DIALECTS["mysql"].statements(items, generated=False)
    assert mysql.insert == (
        "INSERT INTO `items` (`sku`, `price`, `tags`) VALUES (%(sku)s, %(price)s, %(tags)s)"
    )
    assert mysql.read_back == "SELECT `sku`, `price`, `tags` FROM `items` WHERE `sku` = %(sku)s"
    assert "`tags` JSON" in mysql.create
    serial = DIALECTS[dialect_engine("mariadb")].statements(orders, generated=True)
    assert serial.insert == "INSERT INTO `orders` (`note`, `paid`) VALUES (%(note)s, %(paid)s)"
    assert serial.read_back.endswith("FROM `orders` WHERE `id` = LAST_INSERT_ID()")
    assert "`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY" in serial.create
    assert DIALECTS["postgresql"].statements(orders, generated=True).read_back == ""
    text_key = valid({"tables": [{"name": "t", "primary_key": "k", "columns": {"k": "text"}}]})
    assert "`k` VARCHAR(255) NOT NULL PRIMARY KEY" in (
        DIALECTS["mysql"].statements(text_key.tables[0], generated=False).create
    )
    lite = DIALECTS["sqlite"].statements(orders, generated=True)
    assert '"id" INTEGER PRIMARY KEY' in lite.create
    assert lite.insert.startswith('INSERT INTO "orders" ("note", "paid") VALUES')


def test_nullability_is_read_from_the_type_or_given() -> None:
    columns = valid({"tables": [ITEMS]}).tables[0].columns
    assert [(c.type, c.nullable) for c in columns] == [
        ("varchar(20)", True),
        ("numeric(8, 2)", False),
        ("jsonb", True),
    ]
    long_form = {"name": "t", "columns": [{"name": "id", "type": "int", "nullable": False}]}
    assert valid({"tables": [long_form]}).tables[0].columns[0].nullable is False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"tables": [ORDERS], "queries": [{"name": "get_orders", "sql": "SELECT 1"}]},
            "get_orders\\(\\) that is already the named query",
        ),
        (
            {"tables": [{**ORDERS, "name": "Orders"}, ORDERS]},
            "already the insert_orders\\(\\) method of table 'Orders'",
        ),
        (
            {"tables": [{**ORDERS, "name": "a_1b"}, {**ORDERS, "name": "a1b"}]},
            "both get the class A1bRow",
        ),
        ({"tables": [{"name": "t", "columns": {"from": "text"}}]}, "Python keyword"),
        ({"tables": [{"name": "t", "columns": {"id": "integer primary key"}}]}, "constraint"),
        (
            {"tables": [{"name": "t", "columns": [{"name": "x", "type": "int not null"}]}]},
            "not a column of",
        ),
        (
            {
                "tables": [
                    {
                        "name": "t",
                        "primary_key": "x",
                        "columns": [{"name": "x", "type": "int not null", "nullable": True}],
                    }
                ]
            },  # noqa: E501
            "the type and nullable disagree",
        ),
        ({"queries": [{"name": "drop_schema", "sql": "SELECT 1"}]}, "not a usable query"),
    ],
)
def test_names_that_would_clash_are_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        valid(data)


def test_the_adapter_has_typed_methods_on_clients_and_transactions() -> None:
    adapter = render(SHOP)["shop_adapter.py"]
    tree = ast.parse(adapter)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    sync = {f.name for f in classes["_ShopTables"].body if isinstance(f, ast.FunctionDef)}
    assert {"insert_orders", "get_items", "update_items", "delete_orders", "list_items"} <= sync
    assert {"create_schema", "drop_schema"} <= sync
    asynchronous = {
        f.name for f in classes["_AsyncShopTables"].body if isinstance(f, ast.AsyncFunctionDef)
    }
    assert sync - {"_run"} <= asynchronous
    bases = {name: [ast.unparse(b) for b in classes[name].bases] for name in classes}
    assert bases["ShopClient"] == ["_Base", "_ShopTables"]
    assert bases["ShopTransaction"] == ["_ShopTables"]
    assert bases["AsyncShopTransaction"] == ["_AsyncShopTables"]
    methods = {f.name: f for f in classes["_ShopTables"].body if isinstance(f, ast.FunctionDef)}
    assert ast.unparse(methods["insert_orders"].args) == (
        "self, row: OrdersNew, *, timeout: float | None=None"
    )
    assert ast.unparse(methods["insert_orders"].returns) == "OrdersRow"
    assert ast.unparse(methods["get_items"].args.args[1]) == "key: str"
    assert ast.unparse(methods["update_items"].args.args[2]) == "changes: ItemsChanges"


def test_schema_sql_and_the_table_tests_ship_only_with_tables() -> None:
    files = render(SHOP)
    assert files["schema.sql"].startswith("-- The declared tables in PostgreSQL's SQL")
    assert 'CREATE TABLE IF NOT EXISTS "orders" (\n    "id" bigserial' in files["schema.sql"]
    assert "test_shop_tables.py" in files
    assert DatabasePattern().validate(files) == []
    bare = render({"dsn": "postgresql://db/shop", "tables": ["orders"]})
    assert "schema.sql" not in bare and "test_shop_tables.py" not in bare
    assert "_ShopTables" not in bare["shop_adapter.py"]


def test_table_packages_render_deterministically() -> None:
    first = render(SHOP)
    database_packages.clear_renders()
    assert render(SHOP) == first


def test_the_example_with_tables_renders() -> None:
    document = yaml.safe_load((EXAMPLES / "postgres.yaml").read_text(encoding="utf-8"))
    files = render(document["requirements"])
    assert files["schema.sql"].count("CREATE TABLE") == 2
    assert "def orders_for_customer(" in files["shop_adapter.py"]


def test_the_update_mutant_breaks_table_packages_only() -> None:
    mutant = next(m for m in DatabasePattern().mutants() if m.name == "update_ignores_column")
    source = render(SHOP)["shop_adapter.py"]
    mutated = mutant.mutate(source, SHOP)
    assert mutated is not None
    assert mutated.count("CASE WHEN 1 = 0 AND %(s_price)s") == 2  # SQLite and PostgreSQL
    assert mutant.mutate(render({})["shop_adapter.py"], {}) is None
