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
The effective contexts list, as YAML `contexts: [...]`: read it with
  (include "ms.contexts" . | fromYaml).contexts
First the entries of .Values.contexts that have `services` (gateway, identity, any context added by hand),
then every context of the systems in systems.yaml (written from services/systems.ts by
`npm run chart:systems`), of the systems named in .Values.systems (empty: all of them). An entry of
.Values.contexts without `services` is an override: merged into the generated context of the same name
(its keys win); it must name a context of systems.yaml (one of a system left out by `systems` is ignored).
The entries are raw: ms.context merges each one over contextDefaults.
*/}}
{{- define "ms.contexts" -}}
{{- $file := .Files.Get "systems.yaml" -}}
{{- if not $file -}}
{{- fail "systems.yaml is missing from the chart: it lists every system's contexts; write it with `npm run chart:systems` (from services/systems.ts)" -}}
{{- end -}}
{{- $doc := $file | fromYaml -}}
{{- if hasKey $doc "Error" -}}
{{- fail (printf "systems.yaml does not parse (%s): write it again with `npm run chart:systems`" (toString $doc.Error)) -}}
{{- end -}}
{{- $systems := $doc.systems | default list -}}
{{- $systemNames := list -}}
{{- $known := dict -}}
{{- range $s := $systems -}}
{{- $systemNames = append $systemNames (toString $s.name) -}}
{{- range $g := $s.contexts | default list -}}
{{- $_ := set $known (toString $g.name) (toString $s.name) -}}
{{- end -}}
{{- end -}}
{{- /* systems: a list (--set systems={a,b}) or a comma-separated string */ -}}
{{- $wanted := .Values.systems | default list -}}
{{- if kindIs "string" $wanted -}}{{- $wanted = splitList "," $wanted -}}{{- end -}}
{{- $chosen := list -}}
{{- range $n := $wanted -}}
{{- $n = trim (toString $n) -}}
{{- if not (has $n $systemNames) -}}
{{- fail (printf "systems: %q is not a system of systems.yaml (%s); the list comes from services/systems.ts (npm run chart:systems)" $n (join ", " $systemNames)) -}}
{{- end -}}
{{- $chosen = append $chosen $n -}}
{{- end -}}
{{- $list := list -}}
{{- $overrides := dict -}}
{{- range $i, $c := .Values.contexts | default list -}}
{{- if not (kindIs "map" $c) -}}
{{- fail (printf "contexts[%d]: expected an entry (name, and services or settings), got %q (a --set of one index of a list replaces the whole list: use a values file)" $i (toString $c)) -}}
{{- end -}}
{{- if $c.services -}}
{{- $list = append $list $c -}}
{{- else -}}
{{- if not $c.name -}}
{{- fail (printf "contexts[%d]: an entry without services overrides a context of systems.yaml and needs its name (e.g. flowerdelivery-payment)" $i) -}}
{{- end -}}
{{- $name := toString $c.name -}}
{{- if not (hasKey $known $name) -}}
{{- fail (printf "contexts: %q has no services and is no context of systems.yaml: an entry without services overrides the settings of a system's context (one of %s); to add a context of your own, give it services (SERVICES, e.g. warehouse/inventory)" $name (join ", " (keys $known | sortAlpha))) -}}
{{- end -}}
{{- if hasKey $overrides $name -}}
{{- fail (printf "contexts: %q is overridden twice (give its settings in one entry)" $name) -}}
{{- end -}}
{{- $_ := set $overrides $name $c -}}
{{- end -}}
{{- end -}}
{{- range $s := $systems -}}
{{- if or (not $chosen) (has (toString $s.name) $chosen) -}}
{{- range $g := $s.contexts | default list -}}
{{- range $c := $list -}}
{{- if eq (toString $c.name) (toString $g.name) -}}
{{- fail (printf "contexts: name %q is used twice: by an entry with services and by the system %s (systems.yaml); remove its services to override the system's context, or leave the system out with `systems:`" $c.name $s.name) -}}
{{- end -}}
{{- end -}}
{{- $entry := deepCopy $g -}}
{{- with index $overrides (toString $g.name) -}}
{{- /* the override's keys win (merge keeps the destination's, false and 0 included) */ -}}
{{- $entry = merge (deepCopy .) (deepCopy $g) -}}
{{- end -}}
{{- $list = append $list $entry -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml (dict "contexts" $list) -}}
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
Checks the effective contexts list (ms.contexts): names are DNS labels and unique, every entry has
services, exactly one gateway.
*/}}
{{- define "ms.validateContexts" -}}
{{- $seen := dict -}}
{{- $gateways := 0 -}}
{{- $contexts := (include "ms.contexts" . | fromYaml).contexts -}}
{{- if not $contexts -}}
{{- fail "contexts: at least one context is needed" -}}
{{- end -}}
{{- range $c := $contexts -}}
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
{{- /* names that look secret but are not (a token lifetime, a rate limit) */ -}}
{{- $plain := list "ACCESS_TOKEN_TTL_SECONDS" "RATE_LIMIT_TOKEN_PER_WINDOW" -}}
{{- range $k, $v := index . 1 -}}
{{- if and (regexMatch "(?i)(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|(^|_)KEY($|_)|^IDENTITY_ACCOUNTS$|^MONGO_URI$|^REDIS_URL$|^TRANSPORTER$)" $k) (not (has $k $plain)) -}}
{{- if has $k (list "JWT_PRIVATE_KEYS" "IDENTITY_ACCOUNTS") -}}
{{- fail (printf "%s: %q is a credential of the identity context: put it in its Secret (secrets.identity.existingSecret), not in plain settings" $where $k) -}}
{{- end -}}
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
{{- range $c := (include "ms.contexts" $ | fromYaml).contexts -}}
{{- $ctx := include "ms.context" (list $ $c) | fromYaml -}}
{{- if and (not $ctx.gateway) $ctx.requiredByGateway -}}
{{- $names = concat $names $ctx.serviceNames -}}
{{- end -}}
{{- end -}}
{{- join "," $names -}}
{{- end -}}
{{- end -}}

{{/* "true" when a context (merged or raw entry) runs the identity context (identity/identity in SERVICES). */}}
{{- define "ms.isIdentity" -}}
{{- $found := false -}}
{{- range $s := splitList "," (toString .services) -}}
{{- if eq (trim $s) "identity/identity" -}}{{- $found = true -}}{{- end -}}
{{- end -}}
{{- if $found -}}true{{- end -}}
{{- end -}}

{{/* "true" when the effective contexts list (ms.contexts) has an identity context. */}}
{{- define "ms.hasIdentity" -}}
{{- $found := false -}}
{{- range $c := (include "ms.contexts" $ | fromYaml).contexts -}}
{{- if include "ms.isIdentity" $c -}}{{- $found = true -}}{{- end -}}
{{- end -}}
{{- if $found -}}true{{- end -}}
{{- end -}}

{{/* "true" when the identity credentials are given inline (the chart renders <fullname>-identity). */}}
{{- define "ms.identityInline" -}}
{{- $id := .Values.secrets.identity | default dict -}}
{{- if or $id.jwtPrivateKeys $id.accounts -}}true{{- end -}}
{{- end -}}

{{/* The Secret holding JWT_PRIVATE_KEYS and IDENTITY_ACCOUNTS, read by the identity context only. */}}
{{- define "ms.identitySecretName" -}}
{{- if include "ms.identityInline" . -}}
{{- printf "%s-identity" (include "ms.fullname" .) -}}
{{- else -}}
{{- (.Values.secrets.identity | default dict).existingSecret -}}
{{- end -}}
{{- end -}}

{{/*
The identity context's credentials (JWT_PRIVATE_KEYS, IDENTITY_ACCOUNTS) must come from a Secret that only
the identity Deployment reads: refuses to render without one, with both inline values, or with them where
every context would read them (secrets.env, secrets.existingSecret, the chart's shared Secret).
*/}}
{{- define "ms.validateIdentity" -}}
{{- $id := .Values.secrets.identity | default dict -}}
{{- range $k := list "JWT_PRIVATE_KEYS" "IDENTITY_ACCOUNTS" -}}
{{- if hasKey ($.Values.secrets.env | default dict) $k -}}
{{- fail (printf "secrets.env: %s would reach every context (the shared Secret is read whole by each): give it to the identity context only, with secrets.identity.existingSecret (or secrets.identity.jwtPrivateKeys / accounts)" $k) -}}
{{- end -}}
{{- end -}}
{{- if include "ms.hasIdentity" . -}}
{{- if include "ms.identityInline" . -}}
{{- if not $id.jwtPrivateKeys -}}
{{- fail "secrets.identity.jwtPrivateKeys is empty while secrets.identity.accounts is set: the identity context needs both JWT_PRIVATE_KEYS and IDENTITY_ACCOUNTS (or use secrets.identity.existingSecret)" -}}
{{- end -}}
{{- if not $id.accounts -}}
{{- fail "secrets.identity.accounts is empty while secrets.identity.jwtPrivateKeys is set: the identity context needs both JWT_PRIVATE_KEYS and IDENTITY_ACCOUNTS (or use secrets.identity.existingSecret)" -}}
{{- end -}}
{{- else if not $id.existingSecret -}}
{{- fail "secrets.identity.existingSecret is not set: the identity context (identity/identity) needs JWT_PRIVATE_KEYS and IDENTITY_ACCOUNTS from a Secret read by it only. Create one with both keys (helm/README.md, 'The identity Secret': an RSA key from openssl genpkey, then kubectl create secret generic moleculer-systems-identity) and set secrets.identity.existingSecret to its name, or give both secrets.identity.jwtPrivateKeys and secrets.identity.accounts" -}}
{{- else if eq $id.existingSecret (include "ms.secretName" .) -}}
{{- fail (printf "secrets.identity.existingSecret: %q is the Secret every context reads whole (secrets.existingSecret): keep JWT_PRIVATE_KEYS and IDENTITY_ACCOUNTS in a Secret of their own, read by the identity context only" $id.existingSecret) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* RATE_LIMIT_TRUST_PROXY of the gateway: gateway.trustProxy, or (unset) whether the Ingress is on. */}}
{{- define "ms.trustProxy" -}}
{{- $v := toString (.Values.gateway.trustProxy | default "") -}}
{{- if kindIs "bool" .Values.gateway.trustProxy -}}
{{- .Values.gateway.trustProxy -}}
{{- else if has $v (list "true" "false") -}}
{{- $v -}}
{{- else if ne $v "" -}}
{{- fail (printf "gateway.trustProxy: expected true, false or empty (= on with the Ingress), got %q" $v) -}}
{{- else -}}
{{- .Values.gateway.ingress.enabled | default false -}}
{{- end -}}
{{- end -}}
