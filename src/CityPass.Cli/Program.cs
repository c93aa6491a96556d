using CityPass.Cli;

return args.FirstOrDefault() switch
{
    null or "demo" => DemoCommand.Run(),
    "keys" => KeysCommand.Run(args.Skip(1).ToArray()),
    "verify" => VerifyCommand.Run(args.Skip(1).ToArray()),
    "vectors" => VectorsCommand.Run(),
    "help" or "--help" or "-h" => Usage(0),
    _ => Usage(2),
};

static int Usage(int exitCode)
{
    var text = """
        citypass — CityPass command line

          citypass demo                                   issue a demo pass, show it as a QR code, verify it, decide at a gate
          citypass keys new [--suite es256|sm2] [--issuer 310000]   a new private key set (JSON) on stdout
          citypass keys public FILE                       the public key set of a private key file
          citypass verify TEXT --keys FILE                verify a pass with a private or public key set file
          citypass vectors                                print the test vectors of docs/pass-token.md
        """;
    (exitCode == 0 ? Console.Out : Console.Error).WriteLine(text);
    return exitCode;
}
