{{/* Chart name, truncated to a DNS label. */}}
{{- define "ms.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release full name: <release>-<chart> unless the release name already holds the chart name. */}}
{{- define "ms.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "ms.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "ms.labels" -}}
helm.sh/chart: {{ include "ms.chart" . }}
app.kubernetes.io/name: {{ include "ms.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: moleculer-systems
{{- end -}}

{{- define "ms.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ms.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Selector labels of one component (a context, or an in-chart server). Args: (list $ "component"). */}}
{{- define "ms.componentSelectorLabels" -}}
{{- $root := index . 0 -}}
{{ include "ms.selectorLabels" $root }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "ms.componentLabels" -}}
{{- $root := index . 0 -}}
{{ include "ms.labels" $root }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "ms.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "ms.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "ms.configMapName" -}}
{{- printf "%s-config" (include "ms.fullname" .) -}}
{{- end -}}

{{/* The Secret every context reads: the user's own, or the chart's. */}}
{{- define "ms.secretName" -}}
{{- if .Values.secrets.existingSecret -}}
{{- .Values.secrets.existingSecret -}}
{{- else -}}
{{- printf "%s-secret" (include "ms.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Passwords of the in-chart servers (never read by the application pods). */}}
{{- define "ms.datastoreSecretName" -}}
{{- printf "%s-datastores" (include "ms.fullname" .) -}}
{{- end -}}

{{- define "ms.natsHost" -}}{{ include "ms.fullname" . }}-nats{{- end -}}
{{- define "ms.mongodbHost" -}}{{ include "ms.fullname" . }}-mongodb{{- end -}}
{{- define "ms.redisHost" -}}{{ include "ms.fullname" . }}-redis{{- end -}}

{{/* Image of a context: its own repository/tag, else the global image, tag defaulting to appVersion.
     Args: (list $ $ctx). */}}
{{- define "ms.contextImage" -}}
{{- $root := index . 0 -}}
{{- $ctx := index . 1 -}}
{{- $img := $ctx.image | default dict -}}
{{- $repo := $img.repository | default $root.Values.image.repository -}}
{{- $tag := $img.tag | default $root.Values.image.tag | default $root.Chart.AppVersion -}}
{{- printf "%s:%s" $repo (toString $tag) -}}
{{- end -}}

{{/*
A context entry merged over contextDefaults, as YAML (use with fromYaml). mergeOverwrite does not let
false/0 override a default, so the switches a context may turn off are copied explicitly.
Args: (list $ $ctx).
*/}}
{{- define "ms.context" -}}
{{- $root := index . 0 -}}
{{- $ctx := index . 1 -}}
{{- $merged := mergeOverwrite (deepCopy $root.Values.contextDefaults) (deepCopy $ctx) -}}
{{- range $section := list "hpa" "pdb" "topologySpread" -}}
{{- $own := index $ctx $section | default dict -}}
{{- if hasKey $own "enabled" -}}
{{- $_ := set (index $merged $section) "enabled" (index $own "enabled") -}}
{{- end -}}
{{- end -}}
{{- if hasKey $ctx "replicas" -}}{{- $_ := set $merged "replicas" $ctx.replicas -}}{{- end -}}
{{- if hasKey $ctx "preStopSleepSeconds" -}}{{- $_ := set $merged "preStopSleepSeconds" $ctx.preStopSleepSeconds -}}{{- end -}}
{{- $rolling := $ctx.rollingUpdate | default dict -}}
{{- if hasKey $rolling "maxUnavailable" -}}{{- $_ := set $merged.rollingUpdate "maxUnavailable" $rolling.maxUnavailable -}}{{- end -}}
{{- $_ := set $merged "gateway" (eq (toString ($ctx.gateway | default false)) "true") -}}
{{- $_ := set $merged "requiredByGateway" (ternary $ctx.requiredByGateway false (hasKey $ctx "requiredByGateway")) -}}
{{- if not $ctx.serviceNames -}}
{{- $names := list -}}
{{- range $s := splitList "," (toString $ctx.services) -}}
{{- $names = append $names (trim $s | replace "/" ".") -}}
{{- end -}}
{{- $_ := set $merged "serviceNames" $names -}}
{{- end -}}
{{- toYaml $merged -}}
{{- end -}}

{{/*
Checks the contexts list: names are DNS labels and unique, every entry has services, exactly one gateway.
*/}}
{{- define "ms.validateContexts" -}}
{{- $seen := dict -}}
{{- $gateways := 0 -}}
{{- if not .Values.contexts -}}
{{- fail "contexts: at least one context is needed" -}}
{{- end -}}
{{- range $c := .Values.contexts -}}
{{- if not (regexMatch "^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$" (toString $c.name)) -}}
{{- fail (printf "contexts: name %q must be a DNS label of at most 40 characters (a-z, 0-9, -)" (toString $c.name)) -}}
{{- end -}}
{{- if hasKey $seen $c.name -}}
{{- fail (printf "contexts: name %q is used twice" $c.name) -}}
{{- end -}}
{{- $_ := set $seen $c.name true -}}
{{- if not $c.services -}}
{{- fail (printf "contexts: %q has no services (SERVICES, e.g. flowerdelivery/order)" $c.name) -}}
{{- end -}}
{{- if $c.gateway -}}{{- $gateways = add1 $gateways -}}{{- end -}}
{{- end -}}
{{- if ne (int $gateways) 1 -}}
{{- fail (printf "contexts: exactly one context must have gateway: true (found %d)" (int $gateways)) -}}
{{- end -}}
{{- end -}}

{{/* Refuses a credential-looking key or value in a map of plain (non-secret) settings.
     Args: (list "where" $map). */}}
{{- define "ms.refuseSecrets" -}}
{{- $where := index . 0 -}}
{{- range $k, $v := index . 1 -}}
{{- if regexMatch "(?i)(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|(^|_)KEY($|_)|^MONGO_URI$|^REDIS_URL$|^TRANSPORTER$)" $k -}}
{{- fail (printf "%s: %q looks like a credential: put it in secrets.env (or secrets.existingSecret), not in plain settings" $where $k) -}}
{{- end -}}
{{- if regexMatch "[a-zA-Z][a-zA-Z0-9+.-]*://[^/@\\s]*:[^/@\\s]*@" (toString $v) -}}
{{- fail (printf "%s: %q holds a URL with user:password: put it in secrets.env (or secrets.existingSecret)" $where $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* REQUIRED_SERVICES of the gateway. */}}
{{- define "ms.requiredServices" -}}
{{- if .Values.gateway.requiredServices -}}
{{- .Values.gateway.requiredServices -}}
{{- else -}}
{{- $names := list -}}
{{- range $c := .Values.contexts -}}
{{- $ctx := include "ms.context" (list $ $c) | fromYaml -}}
{{- if and (not $ctx.gateway) $ctx.requiredByGateway -}}
{{- $names = concat $names $ctx.serviceNames -}}
{{- end -}}
{{- end -}}
{{- join "," $names -}}
{{- end -}}
{{- end -}}
