"""The documented columns of the tables Key Vault's and Managed HSM's audit log lands in, in
Kusto's schema notation (``name:type, ...``), for Microsoft's analyzer
(:mod:`tests.kusto_analyzer`): a query reading a column not listed here, or using one as another
type, fails the tests.

- ``AzureDiagnostics``: the columns the table has in every workspace, "Azure Monitor Logs
  reference - AzureDiagnostics", section "AzureDiagnostics table columns" (generated 2025-04-21),
  https://learn.microsoft.com/azure/azure-monitor/reference/tables/azurediagnostics
  (MicrosoftDocs/azure-monitor-docs, articles/azure-monitor/reference/tables/azurediagnostics.md).
  Types as listed (String string, Double real, Guid guid, Bool bool, DateTime datetime, BigInt
  long); ``AdditionalFields``, listed without a type, is the page's "dynamic property bag";
  ``SubscriptionId``, listed as both Guid and String, is taken as the first. A field outside this
  set, such as ``identity_claim_oid_g``, is a column only in some workspaces (the page's
  "AdditionalFields column" section), so the program reads it with ``column_ifexists``.
- ``AZKVAuditLogs``: "Azure Monitor Logs reference - AZKVAuditLogs" (resource types
  microsoft.keyvault/vaults and microsoft.keyvault/managedhsms),
  https://learn.microsoft.com/azure/azure-monitor/reference/tables/azkvauditlogs
  (MicrosoftDocs/azure-reference-other, azure-monitor-ref/tables/includes/azkvauditlogs-include.md).

A Managed HSM's audit log has the same table and columns as a vault's ("Monitor Azure Managed
HSM": ``AzureDiagnostics | where ResourceType == "MANAGEDHSMS"``,
https://learn.microsoft.com/azure/key-vault/managed-hsm/logging-azure-monitor).
"""

from __future__ import annotations

AZURE_DIAGNOSTICS = """
action_id_s:string, action_name_s:string, action_s:string, ActivityId_g:guid,
AdditionalFields:dynamic, AdHocOrScheduledJob_s:string, application_name_s:string,
audit_schema_version_d:real, avg_cpu_percent_s:string, avg_mean_time_s:string,
backendHostname_s:string, Caller_s:string, callerId_s:string, CallerIPAddress:string,
calls_s:string, Category:string, client_ip_s:string, clientInfo_s:string, clientIP_s:string,
clientIp_s:string, clientIpAddress_s:string, clientPort_d:real, code_s:string,
collectionName_s:string, conditions_destinationIP_s:string,
conditions_destinationPortRange_s:string, conditions_None_s:string,
conditions_protocols_s:string, conditions_sourceIP_s:string,
conditions_sourcePortRange_s:string, CorrelationId:string, count_executions_d:real,
cpu_time_d:real, database_name_s:string, database_principal_name_s:string,
DatabaseName_s:string, db_id_s:string, direction_s:string, dop_d:real, duration_d:real,
duration_milliseconds_d:real, DurationMs:long, ElasticPoolName_s:string, endTime_t:datetime,
Environment_s:string, error_code_s:string, error_message_s:string, errorLevel_s:string,
event_class_s:string, event_s:string, event_subclass_s:string, event_time_t:datetime,
EventName_s:string, execution_type_d:real, executionInfo_endTime_t:datetime,
executionInfo_exitCode_d:real, executionInfo_startTime_t:datetime, host_s:string,
httpMethod_s:string, httpStatus_d:real, httpStatusCode_d:real, httpStatusCode_s:string,
httpVersion_s:string, id_s:string, identity_claim_appid_g:guid, identity_claim_ipaddr_s:string,
instanceId_s:string, interval_end_time_d:real, interval_start_time_d:real, ip_s:string,
is_column_permission_s:string, isAccessPolicyMatch_b:bool, JobDurationInSecs_s:string,
JobFailureCode_s:string, JobId_g:guid, jobId_s:string, JobOperation_s:string,
JobOperationSubType_s:string, JobStartDateTime_s:string, JobStatus_s:string, JobUniqueId_g:guid,
Level:string, log_bytes_used_d:real, logical_io_reads_d:real, logical_io_writes_d:real,
LogicalServerName_s:string, macAddress_s:string, matchedConnections_d:real, max_cpu_time_d:real,
max_dop_d:real, max_duration_d:real, max_log_bytes_used_d:real, max_logical_io_reads_d:real,
max_logical_io_writes_d:real, max_num_physical_io_reads_d:real, max_physical_io_reads_d:real,
max_query_max_used_memory_d:real, max_rowcount_d:real, max_time_s:string, mean_time_s:string,
Message:string, min_time_s:string, msg_s:string, num_physical_io_reads_d:real, object_id_d:real,
object_name_s:string, OperationName:string, OperationVersion:string, partitionKey_s:string,
physical_io_reads_d:real, plan_id_d:real, policy_s:string, policyMode_s:string,
primaryIPv4Address_s:string, priority_d:real, properties_enabledForDeployment_b:bool,
properties_enabledForDiskEncryption_b:bool, properties_enabledForTemplateDeployment_b:bool,
properties_s:string, properties_sku_Family_s:string, properties_sku_Name_s:string,
properties_tenantId_g:guid, query_hash_s:string, query_id_d:real, query_max_used_memory_d:real,
query_plan_hash_s:string, query_time_d:real, querytext_s:string, receivedBytes_d:real,
Region_s:string, requestCharge_s:string, requestQuery_s:string, requestResourceId_s:string,
requestResourceType_s:string, requestUri_s:string, reserved_storage_mb_s:string,
Resource:string, resource_actionName_s:string, resource_location_s:string,
resource_originRunId_s:string, resource_resourceGroupName_s:string, resource_runId_s:string,
resource_subscriptionId_g:guid, resource_triggerName_s:string, resource_workflowId_g:guid,
resource_workflowName_s:string, ResourceGroup:string, _ResourceId:string,
ResourceProvider:string, ResourceType:string, response_rows_d:real, resultCode_s:string,
ResultDescription:string, resultDescription_ChildJobs_s:string,
resultDescription_ErrorJobs_s:string, resultMessage_s:string, ResultSignature:string,
ResultType:string, rootCauseAnalysis_s:string, routingRuleName_s:string, rowcount_d:real,
ruleName_s:string, RunbookName_s:string, RunOn_s:string, schema_name_s:string, sentBytes_d:real,
sequence_group_id_g:guid, sequence_number_d:real, server_principal_sid_s:string,
session_id_d:real, sizeKb_d:real, SourceSystem:string, sql_text_s:string, sslEnabled_s:string,
start_time_t:datetime, startTime_s:string, startTime_t:datetime, statement_s:string,
statement_sql_handle_s:string, status_s:string, Status_s:string, statusCode_s:string,
storage_space_used_mb_s:string, StreamType_s:string, subnetId_s:string, subnetPrefix_s:string,
SubscriptionId:guid, succeeded_s:string, sum_calls_s:string, systemId_g:guid,
target_database_principal_name_s:string, target_server_principal_name_s:string, Tenant_g:guid,
TenantId:string, TimeGenerated:datetime, timeTaken_d:real, Type:string, type_s:string,
user_defined_information_s:string, user_id_s:string, user_s:string, userAgent_s:string,
vnetResourceGuid_g:guid, workflowId_s:string
"""

AZKV_AUDIT_LOGS = """
AddressAuthorizationType:string, Algorithm:string, AppliedAssignmentId:string,
_BilledSize:real, CallerIpAddress:string, CertificateIssuerProperties:dynamic,
CertificatePolicyProperties:dynamic, CertificateProperties:dynamic,
CertificateRequestProperties:dynamic, ClientInfo:string, CorrelationId:string, DurationMs:int,
EnabledForDeployment:bool, EnabledForDiskEncryption:bool, EnabledForTemplateDeployment:bool,
EnablePurgeProtection:bool, EnableRbacAuthorization:bool, EnableSoftDelete:bool,
HsmPoolResourceId:string, HttpStatusCode:int, Id:string, Identity:dynamic,
IsAccessPolicyMatch:bool, IsAddressAuthorized:bool, _IsBillable:string, IsRbacAuthorized:bool,
KeyProperties:dynamic, NetworkAcls:dynamic, Nsp:dynamic, OperationName:string,
OperationVersion:string, Properties:dynamic, RequestUri:string, _ResourceId:string,
ResultDescription:string, ResultSignature:string, ResultType:string, SecretProperties:dynamic,
Sku:dynamic, SoftDeleteRetentionInDays:int, SourceSystem:string,
StorageAccountProperties:dynamic, StorageSasDefinitionProperties:dynamic, SubnetId:string,
_SubscriptionId:string, TenantId:string, TimeGenerated:datetime, Tlsversion:string,
TrustedService:string, Type:string, VaultProperties:dynamic

"""

#: Table name → its schema, ``(name:type, ...)``.
TABLES: dict[str, str] = {
    name: "(" + " ".join(columns.split()) + ")"
    for name, columns in (
        ("AzureDiagnostics", AZURE_DIAGNOSTICS),
        ("AZKVAuditLogs", AZKV_AUDIT_LOGS),
    )
}


def column_names(table: str) -> set[str]:
    """The documented column names of ``table``."""
    return {column.split(":")[0] for column in TABLES[table].strip("()").split(", ")}
