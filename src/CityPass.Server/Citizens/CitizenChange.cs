using CityPass.Core.Citizens;

namespace CityPass.Server.Citizens;

/// <summary>A citizen as last written, and when (the store's clock): what the reconciler's incremental pass pages through.</summary>
public sealed record CitizenChange(Citizen Citizen, DateTimeOffset ChangedAt);
