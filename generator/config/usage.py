"""``[usage]``: what the stack is assumed to carry each month, for ``iotstack cost`` and the cost in ``diff``
(:mod:`generator.cost.bill` reads it; the template does not). Each assumption has a documented default.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.config.checks import between
from generator.config.fields import setting


@dataclass(frozen=True)
class UsageSettings:
    """``[usage]``: what the stack is assumed to carry each month, for ``iotstack cost`` and the cost in ``diff``.
    Only the estimate reads it: nothing here changes the template."""

    kinesis_records_per_second: float = setting(100.0, "Records written to the stream per second, on average.",
                                                 between(0, 10_000_000))  # fmt: skip
    kinesis_record_kb: float = setting(
        1.0, "Average record size in KB (a PUT payload unit is 25 KB or part of it).", between(0.001, 1024)
    )
    aurora_capacity_percent: float = setting(
        25.0, "Average Aurora capacity, in percent of the way from min_capacity to max_capacity.", between(0, 100)
    )
    aurora_storage_gb: float = setting(20.0, "Aurora cluster volume, GB.", between(0, 131072))
    aurora_io_millions: float = setting(10.0, "Aurora storage I/O requests per month, in millions.",
                                        between(0, 1_000_000))  # fmt: skip
    aurora_backup_gb: float = setting(
        0.0, "Aurora backup storage beyond the free amount (as much as the cluster volume), GB.", between(0, 1_000_000)
    )
    kms_requests: float = setting(100_000.0, "KMS API requests per month, all keys.", between(0, 10**12))
    secret_requests: float = setting(10_000.0, "Secrets Manager API requests per month.", between(0, 10**12))
    endpoint_gb: float = setting(1.0, "GB per month through each interface VPC endpoint.", between(0, 10**9))
    log_gb_per_group: float = setting(1.0, "GB per month written to each log group (flow logs aside).",
                                      between(0, 10**9))  # fmt: skip
    flow_log_gb: float = setting(5.0, "GB per month of VPC flow logs.", between(0, 10**9))
