{{/*
The one template every service is rendered with (templates/services.yaml calls it three times):
ServiceAccount, Service, Deployment, HorizontalPodAutoscaler or KEDA ScaledObject,
PodDisruptionBudget, NetworkPolicy and optionally a ServiceMonitor. The public API's Ingress and
HTTPRoute are in templates/public-api.yaml.
Argument: (dict "root" $ "name" "order" "svc" .Values.services.order)
*/}}
{{- define "eventshop.service" -}}
{{- $root := .root }}
{{- $name := .name }}
{{- $svc := .svc }}
{{- $component := printf "%s-service" $name }}
{{- $fullname := printf "%s-%s" (include "eventshop.fullname" $root) $component }}
{{- $selector := include "eventshop.selectorLabels" (dict "root" $root "component" $component) }}
{{- $pod := $root.Values.pod }}
{{- $amqpUrl := include "eventshop.amqpUrlRef" (dict "root" $root "name" $name) | splitList " " }}
{{- $mongodbUri := include "eventshop.mongodbUriRef" (dict "root" $root "name" $name) | splitList " " }}
{{- $queues := index (include "eventshop.topology" $root | fromJson) $name }}
{{- $keda := and $svc.autoscaling.enabled $svc.autoscaling.keda.enabled }}
{{- $public := and (eq $name "order") (or $root.Values.ingress.enabled $root.Values.gateway.enabled) }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "eventshop.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $component }}
# The services never call the Kubernetes API.
automountServiceAccountToken: false
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "eventshop.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $component }}
spec:
  type: ClusterIP
  selector:
    {{- $selector | nindent 4 }}
  ports:
    - name: http
      port: {{ $svc.port }}
      targetPort: http
      protocol: TCP
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "eventshop.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $component }}
    app.kubernetes.io/version: {{ include "eventshop.versionLabel" $svc.image.tag | quote }}
spec:
  {{- if not $svc.autoscaling.enabled }}
  replicas: {{ $svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- $selector | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "eventshop.labels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ $component }}
        app.kubernetes.io/version: {{ include "eventshop.versionLabel" $svc.image.tag | quote }}
      annotations:
        # Existing Secrets the pod reads: `helm upgrade` after a rotation rolls the pods.
        checksum/external-secrets: {{ include "eventshop.externalSecretsChecksum" (dict "root" $root "name" $name) }}
        {{- with $pod.annotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ $fullname }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ $pod.terminationGracePeriodSeconds }}
      securityContext:
        {{- toYaml $pod.securityContext | nindent 8 }}
      {{- with $root.Values.image.pullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      {{- if $pod.spreadOverNodes }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- $selector | nindent 14 }}
      {{- end }}
      {{- with $pod.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $pod.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $pod.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ $component }}
          image: {{ include "eventshop.image" (dict "root" $root "name" $name "svc" $svc) }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ $svc.port }}
              protocol: TCP
          env:
            - name: PORT
              value: {{ $svc.port | quote }}
            - name: LOG_LEVEL
              value: {{ $root.Values.logLevel | quote }}
            # MongoDB: in operator mode the URI the operator writes for this service's SCRAM user
            # (hosts of the replica set, the service's own database); else the given Secret's.
            - name: MONGODB_URI
              valueFrom:
                secretKeyRef:
                  name: {{ index $mongodbUri 0 }}
                  key: {{ index $mongodbUri 1 }}
            # RabbitMQ: in operator mode the user the topology operator imports, in the services'
            # vhost; else the given Secret's URI.
            - name: AMQP_URL
              valueFrom:
                secretKeyRef:
                  name: {{ index $amqpUrl 0 }}
                  key: {{ index $amqpUrl 1 }}
            # The only proxies allowed to set X-Forwarded-*; empty: none.
            - name: TRUSTED_PROXIES
              value: {{ join "," $root.Values.ingress.trustedProxies | quote }}
            - name: AUTH_ISSUER
              value: {{ $root.Values.auth.issuer | quote }}
            - name: AUTH_AUDIENCE
              value: {{ $root.Values.auth.audience | quote }}
            {{- if eq $root.Values.auth.mode "jwks" }}
            - name: AUTH_JWKS_URL
              value: {{ $root.Values.auth.jwksUrl | quote }}
            {{- else }}
            - name: AUTH_HS256_SECRET
              valueFrom:
                secretKeyRef:
                  name: {{ include "eventshop.authSecretName" $root }}
                  key: {{ $root.Values.auth.hs256.secretKey }}
            {{- end }}
            {{- if eq $name "notification" }}
            {{- if $root.Values.mail.existingSecret }}
            - name: SMTP_URL
              valueFrom:
                secretKeyRef:
                  name: {{ $root.Values.mail.existingSecret }}
                  key: {{ $root.Values.mail.existingSecretKey }}
            {{- else }}
            - name: SMTP_URL
              value: {{ $root.Values.mail.smtpUrl | quote }}
            {{- end }}
            - name: MAIL_FROM
              value: {{ $root.Values.mail.from | quote }}
            {{- end }}
            {{- range $key, $value := $svc.env }}
            - name: {{ $key }}
              value: {{ $value | toString | quote }}
            {{- end }}
          startupProbe:
            httpGet: { path: /health/live, port: http }
            {{- toYaml $pod.probes.startup | nindent 12 }}
          livenessProbe:
            httpGet: { path: /health/live, port: http }
            {{- toYaml $pod.probes.liveness | nindent 12 }}
          readinessProbe:
            httpGet: { path: /health/ready, port: http }
            {{- toYaml $pod.probes.readiness | nindent 12 }}
          resources:
            {{- toYaml $svc.resources | nindent 12 }}
          securityContext:
            {{- toYaml $pod.containerSecurityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $pod.tmpSizeLimit }}
{{- if and $svc.autoscaling.enabled (not $keda) }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "eventshop.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $component }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $fullname }}
  minReplicas: {{ $svc.autoscaling.minReplicas }}
  maxReplicas: {{ $svc.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $svc.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- if $keda }}
---
# KEDA reads queue depth over AMQP with the service's own broker credentials.
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "eventshop.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $component }}
spec:
  secretTargetRef:
    - parameter: host
      name: {{ index $amqpUrl 0 }}
      key: {{ index $amqpUrl 1 }}
---
# CPU for the HTTP side, plus the ready messages of each queue the service consumes.
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "eventshop.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $component }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $fullname }}
  minReplicaCount: {{ $svc.autoscaling.minReplicas }}
  maxReplicaCount: {{ $svc.autoscaling.maxReplicas }}
  pollingInterval: {{ $svc.autoscaling.keda.pollingInterval }}
  cooldownPeriod: {{ $svc.autoscaling.keda.cooldownPeriod }}
  triggers:
    - type: cpu
      metricType: Utilization
      metadata:
        value: {{ $svc.autoscaling.targetCPUUtilizationPercentage | quote }}
    {{- range $queue, $_ := $queues }}
    - type: rabbitmq
      name: {{ $queue | replace "." "-" }}
      metadata:
        protocol: amqp
        mode: QueueLength
        queueName: {{ $queue | quote }}
        value: {{ $svc.autoscaling.keda.queueLength | quote }}
      authenticationRef:
        name: {{ $fullname }}
    {{- end }}
{{- end }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "eventshop.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $component }}
spec:
  maxUnavailable: {{ $svc.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- $selector | nindent 6 }}
{{- if $root.Values.networkPolicy.enabled }}
{{- $np := $root.Values.networkPolicy }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "eventshop.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $component }}
spec:
  podSelector:
    matchLabels:
      {{- $selector | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    # Prometheus scrapes /metrics on the HTTP port.
    - from:
        - namespaceSelector:
            {{- toYaml $np.prometheus.namespaceSelector | nindent 12 }}
          podSelector:
            {{- toYaml $np.prometheus.podSelector | nindent 12 }}
      ports:
        - port: http
          protocol: TCP
    {{- if $public }}
    # The ingress controller or gateway forwards the public API.
    - from:
        - namespaceSelector:
            {{- toYaml $np.ingressController.namespaceSelector | nindent 12 }}
          podSelector:
            {{- toYaml $np.ingressController.podSelector | nindent 12 }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
    {{- if and (include "eventshop.testRenderable" $root) (has $name (list "order" "inventory")) }}
    # The helm test Pod creates a product and an order.
    - from:
        - podSelector:
            matchLabels:
              {{- include "eventshop.selectorLabels" (dict "root" $root "component" "smoke-test") | nindent 14 }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
    {{- with $svc.networkPolicy.extraIngress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  egress:
    - to:
        - namespaceSelector:
            {{- toYaml $np.dns.namespaceSelector | nindent 12 }}
          podSelector:
            {{- toYaml $np.dns.podSelector | nindent 12 }}
      ports:
        - { port: 53, protocol: UDP }
        - { port: 53, protocol: TCP }
    # The broker (AMQP) and the database (this service's own database lives in the replica set).
    {{- if eq $root.Values.rabbitmq.mode "operator" }}
    - to:
        - podSelector:
            matchLabels:
              {{- include "eventshop.rabbitmqPodLabels" $root | nindent 14 }}
      ports:
        - { port: 5672, protocol: TCP }
    {{- else }}
    {{- toYaml $root.Values.rabbitmq.external.egress | nindent 4 }}
    {{- end }}
    {{- if eq $root.Values.mongodb.mode "operator" }}
    - to:
        - podSelector:
            matchLabels:
              {{- include "eventshop.mongodbPodLabels" $root | nindent 14 }}
      ports:
        - { port: 27017, protocol: TCP }
    {{- else }}
    {{- toYaml $root.Values.mongodb.external.egress | nindent 4 }}
    {{- end }}
    {{- if eq $root.Values.auth.mode "jwks" }}
    {{- toYaml $root.Values.auth.jwksEgress | nindent 4 }}
    {{- end }}
    {{- if eq $name "notification" }}
    {{- toYaml $root.Values.mail.egress | nindent 4 }}
    {{- end }}
    {{- with $svc.networkPolicy.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}
{{- if include "eventshop.serviceMonitors" $root }}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "eventshop.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $component }}
    {{- with $root.Values.monitoring.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  # job = the component (order-service, ...), as the dashboards and alert rules select it.
  jobLabel: app.kubernetes.io/component
  selector:
    matchLabels:
      {{- $selector | nindent 6 }}
  endpoints:
    - port: http
      path: /metrics
      interval: {{ $root.Values.monitoring.serviceMonitor.interval }}
{{- end }}
{{- end }}
