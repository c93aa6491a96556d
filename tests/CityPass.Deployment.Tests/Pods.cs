using System.Text.Json.Nodes;

namespace CityPass.Deployment.Tests;

/// <summary>A set of pods an overlay asks for: their labels and the ports their containers open.</summary>
public sealed record PodSource(string Kind, string Name, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<(string? Name, int Port)> Ports, JsonObject? Template)
{
    // CloudNativePG labels its instances cnpg.io/cluster=<name>; they listen on 5432 (PostgreSQL),
    // 8000 (the status the operator polls) and 9187 (metrics).
    private static readonly (string?, int)[] CloudNativePgPorts = [("postgresql", 5432), ("status", 8000), ("metrics", 9187)];

    public static IEnumerable<PodSource> In(Rendered r)
    {
        foreach (var o in r.Objects)
        {
            var kind = Rendered.Str(o, "kind");
            var name = Rendered.Str(o["metadata"], "name")!;
            if (kind is "Deployment" or "StatefulSet")
            {
                var template = o["spec"]!["template"]!.AsObject();
                var ports = Pods.Containers(template).SelectMany(c => c["ports"]?.AsArray() ?? [])
                    .Select(p => (Rendered.Str(p, "name"), p!["containerPort"]!.GetValue<int>())).ToList();
                yield return new PodSource(kind, name, Pods.Labels(template["metadata"]), ports, template);
            }
            else if (kind == "Cluster" && Rendered.Str(o, "apiVersion")!.StartsWith("postgresql.cnpg.io/", StringComparison.Ordinal))
            {
                yield return new PodSource(kind, name, new Dictionary<string, string> { ["cnpg.io/cluster"] = name }, CloudNativePgPorts, null);
            }
        }
    }

    /// <summary>A port given by number or by a container port's name, as a number.</summary>
    public int? Resolve(JsonNode? port) => port switch
    {
        JsonValue v when v.TryGetValue<int>(out var n) => n,
        JsonValue v when v.TryGetValue<string>(out var s) => Ports.Where(p => p.Name == s).Select(p => (int?)p.Port).FirstOrDefault(),
        _ => null,
    };
}

/// <summary>Reading pod templates and selectors.</summary>
public static class Pods
{
    public static IEnumerable<JsonObject> Containers(JsonObject template) =>
        (template["spec"]!["containers"]?.AsArray() ?? []).Concat(template["spec"]!["initContainers"]?.AsArray() ?? []).Select(c => c!.AsObject());

    public static Dictionary<string, string> Labels(JsonNode? metadata) =>
        (metadata?["labels"]?.AsObject() ?? []).ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());

    /// <summary>A matchLabels-style selector (or a Service's selector): every pair is among the labels.</summary>
    public static bool Selects(JsonNode? selector, IReadOnlyDictionary<string, string> labels)
    {
        var pairs = selector?.AsObject() ?? [];
        return pairs.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value!.GetValue<string>());
    }
}
