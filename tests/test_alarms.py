"""The operators' alarms and dashboard, read from template.yaml (CloudWatch exists only in AWS):
every alarm the issue names, each on the metric the code emits, each notifying the one topic."""

from __future__ import annotations

import json
import re
from typing import Any

from vault_share import observability

from devstack import template
from tests.handlers.test_traces import EVERY_METRIC

DOCUMENT = template.load()
RESOURCES: dict[str, Any] = DOCUMENT["Resources"]
FUNCTIONS = [lid for lid, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"]
ALARMS = {lid: r["Properties"] for lid, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
# What the code emits under the VaultShare namespace (test_traces proves the flows emit these).
EMITTED = EVERY_METRIC | {"SmsFailed", "StreamRecordsFailed"}


def metric_of(alarm: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    return alarm["Namespace"], alarm["MetricName"], dimensions


def test_every_alarm_tells_the_operators_topic() -> None:
    assert len(ALARMS) >= 20
    for name, alarm in ALARMS.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["TreatMissingData"] == "notBreaching", name  # no traffic is not an incident
    topic = RESOURCES["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == "alias/aws/sns"
    [statement] = RESOURCES["AlarmTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Condition"] == {"StringEquals": {"AWS:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert RESOURCES["AlarmSubscription"]["Condition"] == "HasOperatorEmail"


def test_each_function_has_an_error_rate_and_a_throttle_alarm() -> None:
    assert len(FUNCTIONS) == 6
    for function in FUNCTIONS:
        errors = ALARMS[f"{function}Errors"]
        stats = {m["Id"]: m["MetricStat"]["Metric"] for m in errors["Metrics"] if "MetricStat" in m}
        assert {k: v["MetricName"] for k, v in stats.items()} == {"errors": "Errors", "invocations": "Invocations"}
        for metric in stats.values():
            assert metric["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
        [rate] = [m for m in errors["Metrics"] if m.get("ReturnData")]
        assert rate["Expression"] == "IF(invocations > 0, 100 * errors / invocations, 0)"
        assert (errors["ComparisonOperator"], errors["Threshold"]) == ("GreaterThanThreshold", 5)
        throttles = ALARMS[f"{function}Throttles"]
        assert metric_of(throttles) == ("AWS/Lambda", "Throttles", {"FunctionName": {"Ref": function}})
        assert throttles["Threshold"] == 0


def test_the_failure_queue_the_api_and_the_spend_are_watched() -> None:
    queue = ALARMS["NotifyFailuresQueued"]
    assert metric_of(queue) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": {"Fn::GetAtt": ["NotifyFailureQueue", "QueueName"]}},
    )
    api = ALARMS["Api5xx"]
    assert metric_of(api)[:2] == ("AWS/ApiGateway", "5XXError")
    assert RESOURCES["Api"]["Properties"]["Name"] == metric_of(api)[2]["ApiName"]
    assert metric_of(ALARMS["SmsSpend"])[:2] == ("AWS/SNS", "SMSMonthToDateSpentUSD")
    assert ALARMS["SmsSpend"]["Threshold"] == {"Ref": "SmsSpendAlarmUsd"}
    assert metric_of(ALARMS["SesBounceRate"])[:2] == ("AWS/SES", "Reputation.BounceRate")
    assert metric_of(ALARMS["SesComplaintRate"])[:2] == ("AWS/SES", "Reputation.ComplaintRate")
    letters = ALARMS["LetterCostPerDay"]
    assert metric_of(letters) == ("VaultShare", "LetterCostCents", {"service": "vault-share"})
    assert (letters["Period"], letters["Statistic"], letters["Threshold"]) == (
        86400,
        "Sum",
        {"Ref": "LetterCostAlarmCents"},
    )


def test_lock_spikes_are_counted_on_the_metric_and_dimensions_the_code_emits() -> None:
    service = DOCUMENT["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    for alarm, share in (("LinkLockSpike", "link"), ("InvitationLockSpike", "invitation")):
        namespace, name, dimensions = metric_of(ALARMS[alarm])
        assert (namespace, name) == ("VaultShare", "Locks") and name in EMITTED
        assert dimensions == {"service": service, "share": share}
        assert share in observability.SHARES
        assert ALARMS[alarm]["Period"] == 3600 and ALARMS[alarm]["Threshold"] == {"Ref": "LockSpikeAlarm"}


def test_the_dashboard_is_json_and_shows_metrics_that_exist() -> None:
    body, variables = RESOURCES["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert set(variables) == {"FailureQueueName"}
    names = set(re.findall(r"\$\{([^}]+)\}", body))
    assert names <= {"AWS::Region", "AWS::StackName", "StageName", "FailureQueueName", *FUNCTIONS}
    widgets = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))["widgets"]
    assert len(widgets) == 6
    shown = set()
    for widget in widgets:
        previous: list[Any] = []
        for row in widget["properties"]["metrics"]:
            # "." repeats the row above at that place; "..." the row above up to the last values.
            if row[0] == "...":
                values = [*previous[: len(previous) - len(row) + 1], *row[1:]]
            else:
                values = [previous[i] if v == "." else v for i, v in enumerate(row)]
            previous = values
            if values[0] == "VaultShare":
                shown.add(values[1])
    assert shown and shown <= EMITTED, shown - EMITTED
