"""moto's server, with one change to its DynamoDB transactions (make test, make run, benchmarks).

moto 5.2.5 backs up every table a `TransactWriteItems` touches with `copy.deepcopy(table)` before
applying it, to restore it if an item fails. The copy includes the table's stream shard, whose
records moto keeps forever: each transaction costs time and memory in proportion to everything
ever written, a run of a few hundred validations slows to seconds per call and a thousand
exhausts a 24 GB machine. And the copy is taken while other threads of the server may write the
table (moto is not thread-safe there): an occasional 500.

Here a transaction instead remembers, before each of its operations, the item it is about to
change (a copy of that one item, or its absence) and the length of the table's stream, and on
failure puts those items back and drops the stream records its operations added: the same
all-or-nothing outcome, in proportion to the transaction's own items. Transactions also hold one
lock, so two never interleave, and so do single-item writes (`UpdateItem`, `PutItem`,
`DeleteItem`), which DynamoDB applies atomically and moto's threads could interleave. Nothing
else of moto changes.

    python tests/moto/server.py -H 127.0.0.1 -p 5000   # the arguments of moto_server
"""

import copy
import sys
import threading

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.server import main

_original = DynamoDBBackend.transact_write_items
_lock = threading.RLock()
_state = threading.local()


class _CopyInTransactions:
    """The `copy` module as moto's DynamoDB backend sees it: inside one of our transactions, on
    this thread, a Table's whole-table backup is the table itself (its rollback then puts the
    same table back, and ours restores the items); every other copy is a real one."""

    def __getattr__(self, name):
        return getattr(copy, name)

    def deepcopy(self, value, memo=None):
        if getattr(_state, "in_transaction", False) and isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


dynamodb_models.copy = _CopyInTransactions()


def _key_of(table, op_type, op):
    attrs = op["Item"] if op_type == "Put" else op["Key"]
    hash_value = DynamoType(attrs[table.hash_key_attr])
    range_value = (
        DynamoType(attrs[table.range_key_attr])
        if table.range_key_attr is not None
        else None
    )
    return hash_value, range_value


def _restore(table, hash_value, range_value, item):
    if range_value is not None:
        if item is None:
            table.items[hash_value].pop(range_value, None)
        else:
            table.items[hash_value][range_value] = item
    elif item is None:
        table.items.pop(hash_value, None)
    else:
        table.items[hash_value] = item


def transact_write_items(self, transact_items):
    with _lock:
        saved = []  # (table, hash, range, copy of the item or None), in the order taken
        streams = {}  # table name -> (table, stream length before)
        for entry in transact_items:
            if not isinstance(entry, dict) or len(entry) != 1:
                continue
            op_type, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName", "")) if isinstance(op, dict) else None
            if table is None or op_type not in {"Put", "Delete", "Update"}:
                continue
            try:
                hash_value, range_value = _key_of(table, op_type, op)
                current = table.get_item(hash_value, range_value)
            except Exception:
                continue  # a malformed key: moto's own validation refuses it below
            saved.append((table, hash_value, range_value, copy.deepcopy(current)))
            if table.stream_shard is not None and table.name not in streams:
                streams[table.name] = (table, len(table.stream_shard.items))
        _state.in_transaction = True
        try:
            return _original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(saved):
                _restore(table, hash_value, range_value, item)
            for table, length in streams.values():
                del table.stream_shard.items[length:]
            raise
        finally:
            _state.in_transaction = False


DynamoDBBackend.transact_write_items = transact_write_items


def _atomic(name):
    """A single-item write under the transactions' lock: DynamoDB applies each write to one item
    atomically (an `UpdateItem` `ADD`, a conditional `PutItem`), moto's threads may interleave
    its read and its write (a counter handing out one value twice)."""
    original = getattr(DynamoDBBackend, name)

    def atomic(self, *args, **kwargs):
        with _lock:
            return original(self, *args, **kwargs)

    setattr(DynamoDBBackend, name, atomic)


for _name in ("update_item", "put_item", "delete_item"):
    _atomic(_name)

if __name__ == "__main__":
    sys.exit(main())
