"""The package on disk: metadata.json, the writer, the pristine copy, the merge and the lock.

Only this package writes into a package folder; everything before it works in memory.
"""
