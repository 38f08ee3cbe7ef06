{{/* Chart name, overridable. */}}
{{- define "tether-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Prefix of object names: <release>-<chart>, or the release name alone if it already contains the chart name.
Truncated to 63 characters because Service names are DNS labels.
*/}}
{{- define "tether-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Prefix of cluster-scoped object names (ClusterRoles, ClusterRoleBindings): includes the release namespace,
so that releases of the same name in different namespaces do not overwrite each other's.
*/}}
{{- define "tether-operator.clusterName" -}}
{{- printf "%s-%s" .Release.Namespace (include "tether-operator.fullname" .) }}
{{- end }}

{{- define "tether-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tether-operator.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "tether-operator.image" -}}
{{- include "tether-operator.imageRef" (dict "repository" .Values.image.repository "digest" .Values.image.digest "tag" (include "tether-operator.imageTag" .)) }}
{{- end }}

{{/* An image reference: repository@digest where a digest pins it, else repository:tag. */}}
{{- define "tether-operator.imageRef" -}}
{{- if .digest }}
{{- printf "%s@%s" .repository .digest }}
{{- else }}
{{- printf "%s:%s" .repository .tag }}
{{- end }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "tether-operator.labels" -}}
helm.sh/chart: {{ include "tether-operator.chart" . }}
app.kubernetes.io/name: {{ include "tether-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "tether-operator.imageTag" . | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tether
{{- end }}

{{/* Selector labels of the operator pods. */}}
{{- define "tether-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tether-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/* Selector labels of the quickstart etcd pod. */}}
{{- define "tether-operator.etcdSelectorLabels" -}}
app.kubernetes.io/name: {{ include "tether-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: etcd
{{- end }}

{{- define "tether-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tether-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tether-operator.etcdName" -}}
{{- printf "%s-etcd" (include "tether-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* etcd client URLs, comma separated: the configured ones, else the quickstart etcd's, else empty. */}}
{{- define "tether-operator.etcdEndpoints" -}}
{{- if .Values.etcd.endpoints }}
{{- join "," .Values.etcd.endpoints }}
{{- else if and .Values.etcd.quickstart.enabled .Values.etcd.quickstart.service.clusterIP }}
{{- printf "%s://%s:2379" (include "tether-operator.etcdScheme" .) .Values.etcd.quickstart.service.clusterIP }}
{{- else if .Values.etcd.quickstart.enabled }}
{{- printf "%s://%s.%s.svc:2379" (include "tether-operator.etcdScheme" .) (include "tether-operator.etcdName" .) .Release.Namespace }}
{{- end }}
{{- end }}

{{- define "tether-operator.etcdScheme" -}}
{{- if .Values.etcd.quickstart.tls.enabled }}https{{ else }}http{{ end }}
{{- end }}

{{/* "true" when etcd authenticates the operator: it then issues each session namespace its own etcd user. */}}
{{- define "tether-operator.etcdAuthenticated" -}}
{{- if or .Values.etcd.auth.existingSecret (include "tether-operator.quickstartAuth" .) }}true{{ end }}
{{- end }}

{{/* "true" when the operator uses the quickstart etcd with authentication, which it then turns on itself. */}}
{{- define "tether-operator.quickstartAuth" -}}
{{- if and .Values.etcd.quickstart.enabled .Values.etcd.quickstart.auth.enabled (not .Values.etcd.endpoints) }}true{{ end }}
{{- end }}

{{/* "true" when the operator uses the quickstart etcd with TLS on its client port. */}}
{{- define "tether-operator.quickstartTls" -}}
{{- if and .Values.etcd.quickstart.enabled .Values.etcd.quickstart.tls.enabled (not .Values.etcd.endpoints) }}true{{ end }}
{{- end }}

{{/* The Secret with the quickstart etcd's CA (ca.crt), serving certificate and key (tls.crt, tls.key). */}}
{{- define "tether-operator.etcdTlsSecret" -}}
{{- printf "%s-tls" (include "tether-operator.etcdName" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Secret whose ca.crt verifies etcd: etcd.tls.existingSecret, else the quickstart etcd's own; else empty. */}}
{{- define "tether-operator.etcdCaSecret" -}}
{{- if .Values.etcd.tls.existingSecret }}
{{- .Values.etcd.tls.existingSecret }}
{{- else if include "tether-operator.quickstartTls" . }}
{{- include "tether-operator.etcdTlsSecret" . }}
{{- end }}
{{- end }}

{{/* The Secret with the quickstart etcd's root and operator passwords. */}}
{{- define "tether-operator.etcdAuthSecret" -}}
{{- printf "%s-auth" (include "tether-operator.etcdName" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Rules for the namespaced resources the operator manages. Bound cluster-wide or per watched namespace.
*/}}
{{- define "tether-operator.namespacedRules" -}}
# patch: the finalizer (server-side apply, removed with a JSON patch) and the operator's own spec edits; never
# update, which would replace the whole object. delete: a finished session past spec.lifecycle.ttlAfterFinished.
- apiGroups: ["tether.dev"]
  resources: ["agentsessions"]
  verbs: ["get", "list", "watch", "patch", "delete"]
- apiGroups: ["tether.dev"]
  resources: ["agentsessions/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["tether.dev"]
  resources: ["agentsessions/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
# get: the operator reads an Event by name to count a repeat instead of creating a duplicate.
# list, watch: the leader follows the EvictionRequested Events the eviction webhook records (any replica
# answers the webhook), field-selected by reason.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["get", "list", "watch", "create", "patch"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
{{- if include "tether-operator.etcdAuthenticated" . }}
# The namespace's etcd credentials for its supervisors (the Secret tether-etcd): get to read an existing one,
# create for the first session of a namespace. Never list, watch, update or delete: the operator reads only
# that name and never changes a Secret that exists.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create"]
{{- else if .Values.objectStore.endpoint }}
# reclaimPolicy Delete of a session with an object store: the operator reads the Secret that session names
# (objectStore.credentialsSecret) to delete the session's objects. Never list, watch or change a Secret.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
{{- end }}
{{- end }}

{{/* The restricted Pod Security securityContext of a container. */}}
{{- define "tether-operator.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 65532
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "tether-operator.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* PodDisruptionBudget moved to policy/v1 in Kubernetes 1.21. */}}
{{- define "tether-operator.pdbApiVersion" -}}
{{- if semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version -}}
policy/v1
{{- else -}}
policy/v1beta1
{{- end }}
{{- end }}
