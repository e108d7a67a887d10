# humops: dev shell and package.
#
# NOT BUILT HERE: the machines humops is developed on have no Nix, so this flake has never been
# evaluated. Treat it as a starting point and expect small fixes on first use.
#
#   nix develop            a shell with node 20 and every tool the tests need (see ci/setup for
#                          the Debian equivalents, which is what CI actually uses)
#   nix build              the humops package (CLIs `humops` and `nodectl`)
#
# First `nix build`: npmDepsHash is lib.fakeHash on purpose. The build fails and prints the
# real hash ("got: sha256-..."); put it below. Update it every time package-lock.json changes.
{
  description = "humops: a small IaaS run the GitOps way (humstack manifests, controller, node agents over NATS)";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      # What the node agent runs on its host (argv commands through SpawnRunner) and what the
      # real-component tests start: keep in step with the PACKAGES list of ci/setup.
      hostTools = pkgs: with pkgs; [
        iproute2 # ip: netns, bridge, vxlan, vlan, veth, tap
        iptables # the virtual router's NAT
        qemu # qemu-system-x86_64, qemu-img (with the rbd block driver)
        cdrkit # genisoimage: NoCloud seeds
        ceph-client # rbd, ceph
        kmod # modprobe (vxlan, tun)
        procps
        psmisc
        util-linux
      ];

      testTools = pkgs: with pkgs; [
        nats-server
        git # git http-backend serves the test repositories
        busybox # the tiny test guest's initramfs
        syslinux
        mtools
        dosfstools
        curl
        # Tests boot Debian's kernel from /boot/vmlinuz-*; on NixOS point them at
        # ${pkgs.linuxPackages.kernel}/bzImage instead (see test/helpers/tiny-guest.ts).
      ];
    in
    {
      devShells = forAll (pkgs: {
        default = pkgs.mkShell {
          packages = [ pkgs.nodejs_20 ] ++ hostTools pkgs ++ testTools pkgs;
          shellHook = ''
            echo "humops dev shell: npm ci, then npm test (HOST_TESTS=0 leaves out the root-only tests)"
          '';
        };
      });

      packages = forAll (pkgs: {
        default = self.packages.${pkgs.stdenv.hostPlatform.system}.humops;
        humops = pkgs.buildNpmPackage {
          pname = "humops";
          version = (builtins.fromJSON (builtins.readFile ./package.json)).version;
          src = ./.;
          nodejs = pkgs.nodejs_20;

          # Placeholder: replace with the hash the first build prints (see the header).
          npmDepsHash = pkgs.lib.fakeHash;

          # `npm run build` is tsc -> dist/; package.json "bin" maps humops and nodectl into it.
          npmBuildScript = "build";
          # The tests need root, network namespaces, qemu and a nats-server: run them in CI
          # (bash .ci/run), not in the Nix sandbox.
          doCheck = false;

          nativeBuildInputs = [ pkgs.makeWrapper ];
          # nodectl and the agent shell out to ip/iptables/qemu/rbd: put them on its PATH.
          postInstall = ''
            for bin in humops nodectl; do
              wrapProgram "$out/bin/$bin" --prefix PATH : ${pkgs.lib.makeBinPath (hostTools pkgs ++ [ pkgs.git ])}
            done
          '';

          meta = {
            description = "A small IaaS run the GitOps way";
            license = pkgs.lib.licenses.asl20;
            mainProgram = "humops";
            platforms = pkgs.lib.platforms.linux;
          };
        };
      });
    };
}
