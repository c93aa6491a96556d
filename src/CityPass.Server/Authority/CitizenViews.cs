using CityPass.Core.Citizens;
using CityPass.Server.Citizens;

namespace CityPass.Server.Authority;

/// <summary>A citizen as the authority sees them.</summary>
public sealed record CitizenView(string Id, string? ExternalId, string Phone, string FullName, string DisplayName, StatusView Status,
    IReadOnlyList<string> Credentials, DateTimeOffset CreatedAt)
{
    public static CitizenView From(Citizen c) => new(c.Id.ToString(), c.ExternalId, c.Phone, c.FullName, NameMasking.Mask(c.FullName),
        StatusView.From(c.Status), c.Credentials.ToWireNames(), c.CreatedAt);
}
