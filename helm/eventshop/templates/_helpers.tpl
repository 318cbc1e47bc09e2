{{/* Names, labels and shared pieces of the EventShop chart. */}}

{{- define "eventshop.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Object name prefix: the release name, plus the chart name unless the release name contains it. */}}
{{- define "eventshop.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "eventshop.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "eventshop.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: eventshop
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector of one component's pods: (dict "root" $ "component" "order-service"). */}}
{{- define "eventshop.selectorLabels" -}}
app.kubernetes.io/name: {{ include "eventshop.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The three services' pods (a label selector body). */}}
{{- define "eventshop.servicePodsSelector" -}}
matchLabels:
  app.kubernetes.io/name: {{ include "eventshop.name" . }}
  app.kubernetes.io/instance: {{ .Release.Name }}
matchExpressions:
  - key: app.kubernetes.io/component
    operator: In
    values: [order-service, inventory-service, notification-service]
{{- end }}

{{- define "eventshop.rabbitmqName" -}}
{{- printf "%s-rabbitmq" (include "eventshop.fullname" .) }}
{{- end }}

{{- define "eventshop.mongodbName" -}}
{{- printf "%s-mongodb" (include "eventshop.fullname" .) }}
{{- end }}

{{/* Pod labels the operators put on broker and database pods (used by NetworkPolicies and PDBs). */}}
{{- define "eventshop.rabbitmqPodLabels" -}}
app.kubernetes.io/name: {{ include "eventshop.rabbitmqName" . }}
{{- end }}
{{- define "eventshop.mongodbPodLabels" -}}
app: {{ include "eventshop.mongodbName" . }}-svc
{{- end }}

{{/* Secret names; (dict "root" $ "name" "order"). */}}
{{- define "eventshop.amqpSecretName" -}}
{{- $existing := index .root.Values.rabbitmq.users.existingSecrets .name }}
{{- default (printf "%s-%s-rabbitmq-user" (include "eventshop.fullname" .root) .name) $existing }}
{{- end }}
{{- define "eventshop.mongodbPasswordSecretName" -}}
{{- $existing := index .root.Values.mongodb.users.existingSecrets .name }}
{{- default (printf "%s-%s-mongodb-password" (include "eventshop.fullname" .root) .name) $existing }}
{{- end }}
{{/* Made by the MongoDB operator: key connectionString.standard holds the service's URI. */}}
{{- define "eventshop.mongodbConnectionSecretName" -}}
{{- printf "%s-%s-mongodb-uri" (include "eventshop.fullname" .root) .name }}
{{- end }}
{{- define "eventshop.authSecretName" -}}
{{- default (printf "%s-auth" (include "eventshop.fullname" .)) .Values.auth.hs256.existingSecret }}
{{- end }}

{{/* A password that survives upgrades: the value in the live Secret if there is one, else a new
random one. Alphanumeric, so it can be placed into a URL unescaped.
(dict "root" $ "secret" name "key" key "length" n) */}}
{{- define "eventshop.password" -}}
{{- $live := lookup "v1" "Secret" .root.Release.Namespace .secret }}
{{- if and $live $live.data (hasKey $live.data .key) }}
{{- index $live.data .key | b64dec }}
{{- else }}
{{- randAlphaNum (int .length) }}
{{- end }}
{{- end }}

{{/* Image reference of a service; the tag is required and never `latest` (also enforced by the schema). */}}
{{- define "eventshop.image" -}}
{{- $img := .svc.image }}
{{- $tag := required (printf "services.%s.image.tag is required (the service's package.json version)" .name) $img.tag }}
{{- if eq $tag "latest" }}
{{- fail (printf "services.%s.image.tag must not be latest" .name) }}
{{- end }}
{{- $repo := $img.repository }}
{{- with .root.Values.image.registry }}
{{- $repo = printf "%s/%s" (trimSuffix "/" .) $repo }}
{{- end }}
{{- printf "%s:%s" $repo $tag }}
{{- end }}

{{/* Whether the PrometheusRule is rendered. */}}
{{- define "eventshop.prometheusRule" -}}
{{- $v := .Values.monitoring.prometheusRule.enabled }}
{{- if or (eq (toString $v) "true") (and (eq (toString $v) "auto") (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/PrometheusRule")) }}true{{ end }}
{{- end }}

{{/* Whether ServiceMonitors are rendered. */}}
{{- define "eventshop.serviceMonitors" -}}
{{- $v := .Values.monitoring.serviceMonitor.enabled }}
{{- if or (eq (toString $v) "true") (and (eq (toString $v) "auto") (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor")) }}true{{ end }}
{{- end }}

{{/* Whether the helm test can get tokens. */}}
{{- define "eventshop.testRenderable" -}}
{{- if and .Values.tests.enabled (or (eq .Values.auth.mode "hs256") .Values.tests.tokenSecret) }}true{{ end }}
{{- end }}
