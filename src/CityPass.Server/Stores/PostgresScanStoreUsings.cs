// IssuerId moved from CityPass.Core.Tokens to CityPass.Core.Keys (Tokens imports Keys, not the other way round).
// Stores/Postgres/PostgresScanStore.cs names it with only `using CityPass.Core.Tokens;`, and that folder is being
// changed on another branch at the same time: this alias keeps it building untouched until that work lands. Then it
// gets `using CityPass.Core.Keys;` and this file goes.
global using IssuerId = CityPass.Core.Keys.IssuerId;
