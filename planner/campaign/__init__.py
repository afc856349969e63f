"""Campaigns: many destination scenarios planned together, with shared coach pools."""

from planner.campaign.run import (
    INPUT_RECORD,
    SUMMARY_FILE,
    input_checksum,
    national_trips,
    plan_campaign,
    summary_table,
)
from planner.campaign.spec import CAMPAIGN_FILE, Campaign, Destination, Pool, read_campaign

__all__ = [
    "CAMPAIGN_FILE",
    "INPUT_RECORD",
    "SUMMARY_FILE",
    "Campaign",
    "Destination",
    "Pool",
    "input_checksum",
    "national_trips",
    "plan_campaign",
    "read_campaign",
    "summary_table",
]
