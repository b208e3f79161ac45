"""Backblaze's own Python SDK (b2sdk, Debian's python3-b2sdk) driving the b2up emulator.

Run by b2sdk.test.ts: argv = realm URL, key id, key, bucket name. Prints one JSON object of what
b2sdk saw, for the test to check. Nothing here knows it talks to an emulator but the realm URL.
"""
import hashlib
import io
import json
import sys

from b2sdk.v2 import B2Api, InMemoryAccountInfo

realm, key_id, key, bucket_name = sys.argv[1:5]

api = B2Api(InMemoryAccountInfo())
api.authorize_account(realm, key_id, key)
bucket = api.create_bucket(bucket_name, 'allPrivate')

small = b'hello from b2sdk, across languages'
small_version = bucket.upload_bytes(small, 'py/small.txt', file_infos={'origin': 'b2sdk'})

# Larger than the emulator's recommendedPartSize, so b2sdk takes the large-file path itself.
large = bytes(i * 7 % 251 for i in range(700_000))
large_version = bucket.upload_bytes(large, 'py/large.bin')

listed = sorted(version.file_name for version, _ in bucket.ls('py', recursive=True))

def fetch(file_id):
    buffer = io.BytesIO()
    bucket.download_file_by_id(file_id).save(buffer)
    return buffer.getvalue()

by_name = io.BytesIO()
bucket.download_file_by_name('py/small.txt').save(by_name)
large_downloaded_sha1 = hashlib.sha1(fetch(large_version.id_)).hexdigest()
small_downloaded_by_id = fetch(small_version.id_).decode()

hidden = bucket.hide_file('py/small.txt')
after_hide = sorted(version.file_name for version, _ in bucket.ls('py', recursive=True))

for version, _ in bucket.ls('py', recursive=True, latest_only=False):
    bucket.delete_file_version(version.id_, version.file_name)
for version in bucket.list_file_versions('py/small.txt'):
    bucket.delete_file_version(version.id_, version.file_name)
remaining = [version.file_name for version, _ in bucket.ls('', recursive=True, latest_only=False)]
api.delete_bucket(bucket)

print(json.dumps({
    'smallSha1': small_version.content_sha1,
    'smallInfo': small_version.file_info,
    'largeSha1Expected': hashlib.sha1(large).hexdigest(),
    'largeDownloadedSha1': large_downloaded_sha1,
    'smallDownloadedById': small_downloaded_by_id,
    'smallDownloadedByName': by_name.getvalue().decode(),
    'largeContentSha1': large_version.content_sha1,
    'listed': listed,
    'hiddenAction': hidden.action,
    'afterHide': after_hide,
    'remaining': remaining,
    'bucketsAfter': [b.name for b in api.list_buckets()],
}))
