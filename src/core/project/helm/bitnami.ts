// Bitnami's `common.images.image` helper, for charts that include it from a `common` subchart
// that is not unpacked in the workspace (it usually comes as a .tgz, or from `helm dependency
// build`): `registry/repository:tag`, or `@digest` when one is set, with `global.imageRegistry`
// over `registry` and the chart's appVersion when there is no tag. The text of
// bitnami/charts common/templates/_images.tpl (Apache-2.0), evaluated like any other define;
// a chart that has the helper itself uses its own.

export const BITNAMI_TEMPLATES = `{{- define "common.images.image" -}}
{{- $registryName := default .imageRoot.registry ((.global).imageRegistry) -}}
{{- $repositoryName := .imageRoot.repository -}}
{{- $separator := ":" -}}
{{- $termination := .imageRoot.tag | toString -}}
{{- if not .imageRoot.tag }}
  {{- if .chart }}
    {{- $termination = .chart.AppVersion | toString -}}
  {{- end -}}
{{- end -}}
{{- if .imageRoot.digest }}
    {{- $separator = "@" -}}
    {{- $termination = .imageRoot.digest | toString -}}
{{- end -}}
{{- if $registryName }}
    {{- printf "%s/%s%s%s" $registryName $repositoryName $separator $termination -}}
{{- else -}}
    {{- printf "%s%s%s"  $repositoryName $separator $termination -}}
{{- end -}}
{{- end -}}
`;
