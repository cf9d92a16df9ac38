fn main() {
    let b = intake::fixtures::photo_jpeg(600, 800, 1);
    let orig = image::load_from_memory(&b).unwrap().into_rgb8();
    let p = intake::check_photo(&b).unwrap();
    let card = image::load_from_memory(&p.card_jpeg).unwrap().into_rgb8();
    for (x,y) in [(10u32,10u32),(150,150),(150,300),(290,390)] {
        println!("{:?} orig {:?} card {:?}", (x,y), orig.get_pixel(2*x,2*y), card.get_pixel(x,y));
    }
    let raw = intake::fixtures::photo_rgb(600, 800, 1);
    println!("raw {:?}", raw.get_pixel(20,20));
    let j = intake::fixtures::encode_jpeg(&raw, 85);
    let back = image::load_from_memory(&j).unwrap().into_rgb8();
    println!("rt {:?}", back.get_pixel(20,20));
}
