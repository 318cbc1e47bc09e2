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

{{/* A name of at most 63 characters (a DNS label): as it is when short enough, else cut and
followed by a hash of the whole, so two long names never collide. */}}
{{- define "eventshop.shortName" -}}
{{- include "eventshop.boundedName" (list . 63) }}
{{- end }}
{{/* The same with another limit, for names an operator extends: (list name max). */}}
{{- define "eventshop.boundedName" -}}
{{- $name := index . 0 }}
{{- $max := int (index . 1) }}
{{- if le (len $name) $max }}{{ $name }}{{ else }}{{ printf "%s-%s" (trunc (int (sub $max 9)) $name | trimSuffix "-") (sha256sum $name | trunc 8) }}{{ end }}
{{- end }}

{{/* The queues each service consumes and their routing keys: files/topology.yaml, generated from
the services' consumer definitions (`bash scripts/chart-check.sh topology`). */}}
{{- define "eventshop.topology" -}}
{{- .Files.Get "files/topology.yaml" | fromYaml | toJson }}
{{- end }}

{{/* Whether the chart declares the broker topology as custom resources (operator mode, or an
external broker whose topology the messaging topology operator declares). */}}
{{- define "eventshop.topologyResources" -}}
{{- if or (eq .Values.rabbitmq.mode "operator") (eq .Values.rabbitmq.external.topology "operator") }}true{{ end }}
{{- end }}

{{/* Whether any service scales with KEDA. */}}
{{- define "eventshop.kedaUsed" -}}
{{- range $_, $svc := .Values.services }}{{ if and $svc.autoscaling.enabled $svc.autoscaling.keda.enabled }}true{{ end }}{{ end }}
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
{{/* The broker user of a service in operator mode: username, password and amqp-url. */}}
{{- define "eventshop.rabbitmqUserSecretName" -}}
{{- $existing := index .root.Values.rabbitmq.users.existingSecrets .name }}
{{- default (include "eventshop.shortName" (printf "%s-%s-rabbitmq-user" (include "eventshop.fullname" .root) .name)) $existing }}
{{- end }}
{{/* Where a service's AMQP_URL is: "<secret> <key>". */}}
{{- define "eventshop.amqpUrlRef" -}}
{{- if eq .root.Values.rabbitmq.mode "external" }}
{{- $secret := required (printf "rabbitmq.external.existingSecrets.%s is required in external mode" .name) (index .root.Values.rabbitmq.external.existingSecrets .name) }}
{{- printf "%s %s" $secret .root.Values.rabbitmq.external.amqpUrlKey }}
{{- else }}
{{- printf "%s amqp-url" (include "eventshop.rabbitmqUserSecretName" .) }}
{{- end }}
{{- end }}
{{/* Where a service's MONGODB_URI is: "<secret> <key>". */}}
{{- define "eventshop.mongodbUriRef" -}}
{{- if eq .root.Values.mongodb.mode "external" }}
{{- $secret := required (printf "mongodb.external.existingSecrets.%s is required in external mode" .name) (index .root.Values.mongodb.external.existingSecrets .name) }}
{{- printf "%s %s" $secret .root.Values.mongodb.external.uriKey }}
{{- else }}
{{- printf "%s connectionString.standard" (include "eventshop.mongodbConnectionSecretName" .) }}
{{- end }}
{{- end }}
{{/* Secrets of a service that someone else writes (existing Secrets named in values): their live
content is hashed into a pod annotation, so `helm upgrade` after a rotation rolls the pods. */}}
{{- define "eventshop.externalSecretsChecksum" -}}
{{- $root := .root }}
{{- $names := list }}
{{- if eq $root.Values.rabbitmq.mode "external" }}
{{- $names = append $names (index $root.Values.rabbitmq.external.existingSecrets .name) }}
{{- else }}
{{- $names = append $names (index $root.Values.rabbitmq.users.existingSecrets .name) }}
{{- end }}
{{- if eq $root.Values.mongodb.mode "external" }}
{{- $names = append $names (index $root.Values.mongodb.external.existingSecrets .name) }}
{{- end }}
{{- if eq $root.Values.auth.mode "hs256" }}
{{- $names = append $names $root.Values.auth.hs256.existingSecret }}
{{- end }}
{{- if eq .name "notification" }}
{{- $names = append $names $root.Values.mail.existingSecret }}
{{- end }}
{{- $parts := list }}
{{- range $names | compact | uniq }}
{{- $live := lookup "v1" "Secret" $root.Release.Namespace . }}
{{- $parts = append $parts (printf "%s=%v" . (dig "data" dict $live)) }}
{{- end }}
{{- join ";" $parts | sha256sum }}
{{- end }}
{{- define "eventshop.mongodbPasswordSecretName" -}}
{{- $existing := index .root.Values.mongodb.users.existingSecrets .name }}
{{- default (include "eventshop.shortName" (printf "%s-%s-mongodb-password" (include "eventshop.fullname" .root) .name)) $existing }}
{{- end }}
{{/* Made by the MongoDB operator: key connectionString.standard holds the service's URI. */}}
{{- define "eventshop.mongodbConnectionSecretName" -}}
{{- include "eventshop.shortName" (printf "%s-%s-mongodb-uri" (include "eventshop.fullname" .root) .name) }}
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

{{/* An image tag as a label value: at most 63 characters, alphanumeric at both ends (a tag
may be longer, e.g. skaffold's 64-character image ids). */}}
{{- define "eventshop.versionLabel" -}}
{{- . | toString | trunc 63 | trimAll "-_." }}
{{- end }}
