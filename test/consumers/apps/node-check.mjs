// The Node consumer: create an image with qedisk/node, write, read back, check; print JSON.
import { NodeFile, QedImage } from 'qedisk/node';

const image = QedImage.create(NodeFile.open('disk.qed', 'create'), { size: 64 * 1024 * 1024 });
const data = new Uint8Array(4096).map((_, index) => (index * 5) & 0xff);
image.write(1024 * 1024, data);
const back = image.read(1024 * 1024, 4096);
const report = image.check();
image.close();
console.log(JSON.stringify({ readBack: back.every((value, index) => value === data[index]), corruptions: report.corruptions, leaks: report.leaks }));
