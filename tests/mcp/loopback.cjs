// Preloaded (node --require) into an MCP server the tests run over HTTP:
// every listen(port) binds 127.0.0.1 only, and the port it got is written
// to $PORT_FILE, so a test can start the server on port 0 and find it.
const fs = require("node:fs");
const net = require("node:net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
	if (typeof args[0] === "number" || (typeof args[0] === "string" && /^\d+$/.test(args[0]))) {
		if (typeof args[1] !== "string") args.splice(1, 0, "127.0.0.1");
		this.once("listening", () => {
			if (process.env.PORT_FILE) fs.writeFileSync(process.env.PORT_FILE, String(this.address().port));
		});
	}
	return listen.apply(this, args);
};
