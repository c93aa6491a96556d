using System.ComponentModel.DataAnnotations;

namespace CityPass.Server.Estates;

/// <summary>Housing estates: configuration section "Estates".</summary>
public sealed class EstateOptions
{
    public const string Section = "Estates";

    /// <summary>How long a visit stays in the estate's visitor trail after its window ended; then it is purged.</summary>
    [Range(1, 365)]
    public int VisitRetentionDays { get; set; } = 14;

    public TimeSpan VisitRetention => TimeSpan.FromDays(VisitRetentionDays);
}
