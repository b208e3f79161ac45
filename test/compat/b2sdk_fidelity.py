"""b2sdk (Debian's python3-b2sdk) using the B2 features beyond plain upload/download against the
b2up emulator: lifecycle rules written back as read, SSE-C end to end, copies that change
encryption, Object Lock (retention, legal hold, bucket default) and unfinished large files seen in
the version listing. argv = realm URL, key id, key. Prints one JSON object of what b2sdk saw.
"""
import hashlib
import io
import json
import os
import sys
import time

from b2sdk.v2 import (
    B2Api,
    BucketRetentionSetting,
    EncryptionAlgorithm,
    EncryptionKey,
    EncryptionMode,
    EncryptionSetting,
    FileRetentionSetting,
    InMemoryAccountInfo,
    LegalHold,
    RetentionMode,
    RetentionPeriod,
)

realm, key_id, key = sys.argv[1:4]
api = B2Api(InMemoryAccountInfo())
api.authorize_account(realm, key_id, key)
seen = {}


def error_name(call):
    try:
        call()
    except Exception as error:  # the class b2sdk raised is what a b2sdk user would catch
        return type(error).__name__
    return None


def read(downloaded):
    buffer = io.BytesIO()
    downloaded.save(buffer)
    return buffer.getvalue()


# Lifecycle rules with nulls, read back and written back unchanged (read-modify-write).
keep_last = {'fileNamePrefix': '', 'daysFromHidingToDeleting': 1, 'daysFromUploadingToHiding': None}
plain = api.create_bucket('fid-plain', 'allPrivate', lifecycle_rules=[keep_last])
listed = api.get_bucket_by_name('fid-plain')
extra = {'fileNamePrefix': 'tmp/', 'daysFromHidingToDeleting': None, 'daysFromUploadingToHiding': 7}
updated = listed.update(lifecycle_rules=listed.lifecycle_rules + [extra])
seen['lifecycleRules'] = api.get_bucket_by_name('fid-plain').lifecycle_rules

# SSE-C: small and large uploads, downloads with and without the key, copies changing encryption.
sse_c = EncryptionSetting(
    mode=EncryptionMode.SSE_C,
    algorithm=EncryptionAlgorithm.AES256,
    key=EncryptionKey(secret=os.urandom(32), key_id='tenant-1'),
)
other_key = EncryptionSetting(
    mode=EncryptionMode.SSE_C,
    algorithm=EncryptionAlgorithm.AES256,
    key=EncryptionKey(secret=os.urandom(32), key_id='tenant-2'),
)
sse_b2 = EncryptionSetting(mode=EncryptionMode.SSE_B2, algorithm=EncryptionAlgorithm.AES256)
small = b'customer-keyed bytes'
secret = plain.upload_bytes(small, 'ssec/small.txt', encryption=sse_c)
seen['ssecMode'] = secret.server_side_encryption.mode.value
seen['ssecWithKey'] = read(plain.download_file_by_id(secret.id_, encryption=sse_c)).decode()
seen['ssecWithoutKey'] = error_name(lambda: read(plain.download_file_by_id(secret.id_)))
seen['ssecWrongKey'] = error_name(lambda: read(plain.download_file_by_id(secret.id_, encryption=other_key)))
seen['ssecByName'] = read(plain.download_file_by_name('ssec/small.txt', encryption=sse_c)).decode()
large = bytes(i * 13 % 251 for i in range(450_000))
large_version = plain.upload_bytes(large, 'ssec/large.bin', encryption=sse_c)
seen['ssecLargeSha1'] = hashlib.sha1(read(plain.download_file_by_id(large_version.id_, encryption=sse_c))).hexdigest()
seen['ssecLargeExpected'] = hashlib.sha1(large).hexdigest()
# b2sdk wants the source's metadata when SSE-C key ids differ between source and destination.
to_b2 = plain.copy(
    secret.id_,
    'copy/sse-b2.txt',
    source_encryption=sse_c,
    destination_encryption=sse_b2,
    source_file_info=secret.file_info,
    source_content_type=secret.content_type,
)
seen['copyToSseB2'] = to_b2.server_side_encryption.mode.value
seen['copyToSseB2Bytes'] = read(plain.download_file_by_id(to_b2.id_)).decode()
plain_copy_source = plain.upload_bytes(b'plain source', 'copy/plain.txt')
to_c = plain.copy(
    plain_copy_source.id_,
    'copy/sse-c.txt',
    destination_encryption=sse_c,
    source_file_info=plain_copy_source.file_info,
    source_content_type=plain_copy_source.content_type,
)
seen['copyToSseC'] = to_c.server_side_encryption.mode.value
seen['copyToSseCWithoutKey'] = error_name(lambda: read(plain.download_file_by_id(to_c.id_)))

# Object Lock: bucket default retention, upload with retention + legal hold, updates, refusals.
locked = api.create_bucket('fid-locked', 'allPrivate', is_file_lock_enabled=True)
locked = locked.update(
    default_retention=BucketRetentionSetting(RetentionMode.GOVERNANCE, RetentionPeriod(days=1))
)
seen['bucketDefaultRetention'] = locked.default_retention.as_dict()
by_default = locked.upload_bytes(b'default retention', 'default.txt')
seen['defaultRetentionMode'] = by_default.file_retention.mode.value
until = int(time.time() * 1000) + 3_600_000
held = locked.upload_bytes(
    b'held',
    'held.txt',
    file_retention=FileRetentionSetting(RetentionMode.GOVERNANCE, until),
    legal_hold=LegalHold.ON,
)
seen['uploadRetention'] = [held.file_retention.mode.value, held.file_retention.retain_until == until]
seen['uploadLegalHold'] = held.legal_hold.value
seen['deleteWhileHeld'] = error_name(lambda: locked.delete_file_version(held.id_, 'held.txt'))
seen['legalHoldOff'] = api.update_file_legal_hold(held.id_, 'held.txt', LegalHold.OFF).value
seen['deleteWhileRetained'] = error_name(lambda: locked.delete_file_version(held.id_, 'held.txt'))
seen['shortenWithoutBypass'] = error_name(
    lambda: api.update_file_retention(held.id_, 'held.txt', FileRetentionSetting(RetentionMode.GOVERNANCE, until - 1000))
)
cleared = api.update_file_retention(
    held.id_, 'held.txt', FileRetentionSetting(RetentionMode.NONE), bypass_governance=True
)
seen['clearedWithBypass'] = cleared.mode.value
info = api.get_file_info(held.id_)
seen['afterClear'] = [info.file_retention.mode.value, info.legal_hold.value]
locked.delete_file_version(held.id_, 'held.txt')
seen['deletedAfterClear'] = [v.file_name for v in locked.list_file_versions('held.txt')]

# An abandoned large file shows in the version listing, and deleting that row cancels it.
api.session.start_large_file(plain.id_, 'stale.bin', 'b2/x-auto', {})
seen['staleActions'] = [v.action for v in plain.list_file_versions('stale.bin')]
for version in plain.list_file_versions('stale.bin'):
    plain.delete_file_version(version.id_, version.file_name)
seen['unfinishedAfterCleanup'] = [f.file_name for f in plain.list_unfinished_large_files()]

print(json.dumps(seen))
