// IssuerId moved from CityPass.Core.Tokens to CityPass.Core.Keys (Tokens imports Keys, not the other way round), and
// GateClock from Scans to Venues (Scans imports Venues). Stores/Postgres/PostgresScanStore.cs names both with only
// `using CityPass.Core.Tokens;` and `using CityPass.Server.Scans;`, and that folder is being changed on another branch
// at the same time: these aliases keep it building untouched until that work lands. Then it gets
// `using CityPass.Core.Keys;` and `using CityPass.Server.Venues;`, and this file goes.
global using GateClock = CityPass.Server.Venues.GateClock;
global using IssuerId = CityPass.Core.Keys.IssuerId;
