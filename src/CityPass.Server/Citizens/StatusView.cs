using CityPass.Core.Citizens;

namespace CityPass.Server.Citizens;

/// <summary>
/// A citizen's status as the API shows it: to the citizen on their pass, to the authority in its answers. It lives with
/// the citizen, not with the authority that changes it, so the citizen's endpoints need nothing from the authority's.
/// </summary>
public sealed record StatusView(string Colour, uint Version, string Reason, DateTimeOffset Since)
{
    public static StatusView From(CitizenStatus s) => new(s.Colour.ToWireName(), s.Version, s.Reason, s.Since);
}
